"""Save & load, the zoo and the weights loader speak the caller's language: Chinese for a zh-CN
Accept-Language header, English by default (and str() of a refusal stays English for the CLI)."""
import pytest
import torch
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from nets.models import tutorial_cnn
from nets.text import LearnerError, text
from nets.weights import WeightsError, fit_weights, message


@pytest.fixture(scope="module")
def zh_client(client, app_url):
    """A second API caller whose Accept-Language asks for Chinese (client makes sure the data is ready)."""
    return Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})


@pytest.fixture(scope="module")
def whole_model_file(tmp_path_factory):
    """The tutorial's method 1: the whole network pickled, which every upload must refuse."""
    path = tmp_path_factory.mktemp("method1") / "vgg16_method1.pth"
    torch.save(tutorial_cnn(), path)
    return path


def test_weights_errors_are_learner_errors_worded_in_either_language():
    state = tutorial_cnn().state_dict()
    del state["fc2.bias"]
    with pytest.raises(WeightsError) as refused:
        fit_weights(state, tutorial_cnn(), "m.pth")
    assert isinstance(refused.value, LearnerError)
    assert str(refused.value) == "m.pth is for a different network: it lacks fc2.bias and has nothing that " \
                                 "this network does not. Load it with the network it was trained on."
    assert refused.value.phrase.words("zh-CN") == "m.pth 属于另一个网络：它缺少 fc2.bias，并且多出本网络没有的无。" \
                                                  "请用训练它时的网络读取。"
    note = message("loaded_by_position")
    assert str(note) == text("weights.loaded_by_position") and note.words("zh-CN").startswith("层的名字不同")


def test_a_refused_upload_is_explained_in_the_callers_language(client, zh_client, whole_model_file):
    with pytest.raises(AppError, match="pickled Python object, not a state_dict") as english:
        client.predict(handle_file(str(whole_model_file)), api_name="/saving_upload")
    with pytest.raises(AppError) as chinese:
        zh_client.predict(handle_file(str(whole_model_file)), api_name="/saving_upload")
    words = str(chinese.value)
    assert "vgg16_method1.pth 是用 pickle 保存的 Python 对象，不是 state_dict" in words
    assert "torch.nn.modules.container.Sequential" in words and "pickled" not in words
    assert "torch.nn.modules.container.Sequential" in str(english.value)


def test_download_status_follows_the_callers_language(app_url, client):
    # New sessions: the shared clients may hold a model uploaded by another test.
    english_caller = Client(app_url, verbose=False)
    chinese_caller = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})
    _, english = english_caller.predict("state_dict (.pth)", api_name="/saving_download")
    _, chinese = chinese_caller.predict("state_dict (.pth)", api_name="/saving_download")
    assert english.startswith("Saved the network from the Builder") and "10 tensors" in english
    assert chinese.startswith("已保存“搭建”页的网络") and "10 个张量" in chinese


def test_zoo_numbers_and_code_comments_follow_the_callers_language(client, zh_client):
    english = client.predict("vgg16", api_name="/zoo_compare")
    chinese = zh_client.predict("vgg16", api_name="/zoo_compare")
    assert "**138,357,544 parameters**" in english[1] and "(+10,010 against the original)" in english[4]
    assert "**138,357,544 个参数**" in chinese[1] and "（比原始模型 +10,010）" in chinese[4]
    assert f"# {text('zoo.code_weights')}" in english[0] and f"# {text('zoo.code_weights', 'zh-CN')}" in chinese[0]
    assert english[-1] == chinese[-1]    # print(model) is code output: the same in every language
    with pytest.raises(AppError, match="请先勾选确认框：vgg16 的权重要下载 528 MB"):
        zh_client.predict("vgg16", 0, False, api_name="/zoo_pretrained")
