"""The Data, Network and Builder tabs in the visitor's language: redrawn after a switch, and chosen by API
callers with Accept-Language (English by default)."""
import re
from contextlib import contextmanager
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio.context import LocalContext
from gradio_client import Client, handle_file
from PIL import Image

from nets.models import tutorial_spec
from nets.text import TRANSLATIONS
from ui import builder_tab
from ui.network import tab as network_tab

ZH = TRANSLATIONS["zh-CN"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@contextmanager
def visitor(locale: str):
    """Handlers run as for a request from a browser that asks for locale."""
    token = LocalContext.request.set(SimpleNamespace(session_hash="", headers={"accept-language": locale}))
    try:
        yield
    finally:
        LocalContext.request.reset(token)


def comments(code: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in code.splitlines() if "#" in line]


def test_builder_redraw_words_every_text_in_the_new_language():
    with visitor("zh-CN"):
        limits, *view = builder_tab.redraw_builder(tutorial_spec(), None)
        view = builder_tab.BuilderView(*view)
    table, status, seq_code, mod_code = view.table, view.status, view.seq_code, view.mod_code
    assert limits.startswith("限制（") and "全连接层（线性层）≤ 50,000,000 个参数" in limits
    assert table["headers"] == [ZH[f"builder.col_{c}"] for c in builder_tab.COLUMNS]
    assert status.startswith("**✓ 网络能跑通：**") and "(1, 10)" in status
    assert all(CJK.search(c) for c in comments(seq_code) + comments(mod_code))
    with visitor("en-US"):
        view = builder_tab.BuilderView(*builder_tab.redraw_builder(tutorial_spec(), None)[1:])
    table, status, seq_code = view.table, view.status, view.seq_code
    assert all(isinstance(getattr(view, state), type(gr.skip()))   # a redraw changes no state
               for state in ("spec_state", "fix_state", "arch_state", "selected"))
    assert table["headers"][1] == "name" and status.startswith("**✓ The network runs:**")
    assert not any(CJK.search(c) for c in comments(seq_code))


def test_builder_redraws_a_failing_network_and_an_unread_cell_in_chinese():
    spec = tutorial_spec()
    spec[7]["in_features"] = 512
    with visitor("zh-CN"):
        view = builder_tab.BuilderView(*builder_tab.redraw_builder(spec, None)[1:])
        table, status, fix_button = view.table, view.status, view.fix_button
        assert "第 8 层：fc1 = Linear(512, 64) 接受不了形状为 (1, 1024) 的输入" in status
        assert fix_button["value"] == "修复：设置 fc1.in_features = 1024"
        assert table["data"][8][6] == ZH["builder.not_checked"]
        rows, _ = builder_tab.spec_rows(tutorial_spec())
        rows[2][3] = "32, 32, kernel_size=banana"
        unread = builder_tab.edit_table(rows, None).spec_state
        view = builder_tab.BuilderView(*builder_tab.redraw_builder(unread, None)[1:])
        table, status, seq_code = view.table, view.status, view.seq_code
    # the cell's own refusal, in Chinese, naming what it could not read; the rows above it keep their shapes
    assert "LayerLab 不知道" in table["data"][2][6] and "banana" in table["data"][2][6]
    assert table["data"][0][6] != ZH["builder.not_checked_cell"]
    assert "请先改好这个单元格" in status and isinstance(seq_code, type(gr.skip()))


def test_network_redraw_waits_until_something_is_shown(cifar, monkeypatch):
    from ui.common import dataset
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    args = (3, None, "random", 1, None, None, None)
    with visitor("zh-CN"):
        nothing_shown = network_tab.redraw_network("", *args)
    assert nothing_shown.summary == {"headers": [ZH[f"network.col_{c}"] for c in network_tab.SUMMARY_COLUMNS],
                                     "data": []}
    assert all(isinstance(v, type(gr.skip())) for v in nothing_shown._replace(summary=gr.skip()))
    with visitor("zh-CN"):
        view = network_tab.redraw_network("**test image #3**", *args)
    flow, summary, status = view.flow, view.summary, view.status
    assert status.startswith(f"**测试集图像 #3（{ZH['class.' + cifar.classes[cifar.test_y[3]]]}）**，权重：随机（种子 0），"
                             "尚未训练。")
    assert summary["headers"] == [ZH[f"network.col_{c}"] for c in network_tab.SUMMARY_COLUMNS]
    assert summary["data"][-1][0] == "合计" and "个参数" in flow and "parameters" not in flow


def test_class_names_are_worded_in_the_visitors_language(cifar, monkeypatch):
    """CIFAR-10's classes read 猫, 飞机 ... for a Chinese visitor: the Data tab's captions, class choices and
    counts chart, and the explorer's labels; the value sent back stays the dataset's own name."""
    from ui import data_tab
    from ui.common import dataset
    from visual.explorer import input_text
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    with visitor("zh-CN"):
        captions = [caption for _, caption in data_tab.chosen_images("test", "cat", 3, 0)]
        choices = data_tab.class_choices(cifar.classes)
        counts = data_tab.counts_figure()
    assert all(caption.endswith(" " + ZH["class.cat"]) for caption in captions)
    assert choices[1] == (ZH["class.airplane"], "airplane") and list(counts.data[0].x) == \
        [ZH[f"class.{c}"] for c in cifar.classes]
    assert input_text(["cat", "ship"], "zh-CN").endswith(f"{ZH['class.cat']}、{ZH['class.ship']}")
    with visitor("en-US"):
        assert data_tab.chosen_images("test", "cat", 1, 0)[0][1].endswith(" cat")


@pytest.fixture(scope="module")
def zh_client(client, app_url):
    """A second API caller whose Accept-Language asks for Chinese (client: the app is up, the data loaded)."""
    return Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})


def refusal(client, *args, api_name: str) -> str:
    with pytest.raises(Exception) as error:
        client.predict(*args, api_name=api_name)
    return str(error.value)


def test_builder_api_answers_in_the_callers_language(client, zh_client):
    table, status, seq_code, mod_code = zh_client.predict(api_name="/builder_reset")
    assert table["headers"] == [ZH[f"builder.col_{c}"] for c in builder_tab.COLUMNS]
    assert status.startswith("**✓ 网络能跑通") and "# 命名的层" in seq_code and "一批 64 张图像" in mod_code
    assert "不是有效的 JSON" in refusal(zh_client, "[", api_name="/builder_set_layers")
    assert "网络是空的" in refusal(zh_client, "[]", api_name="/builder_set_layers")
    table, status, seq_code, _ = client.predict(api_name="/builder_reset")
    assert table["headers"][3] == "arguments" and "✓ The network runs" in status and "# Named layers" in seq_code
    assert "not valid JSON" in refusal(client, "[", api_name="/builder_set_layers")


def test_data_and_network_api_answer_in_the_callers_language(client, zh_client, tmp_path):
    _, counts = zh_client.predict("test", "all", 1, 0, api_name="/browse_data")
    assert ZH["data.counts"] in counts["plot"] and ZH["data.split_train"] in counts["plot"]
    assert ZH["data.seed"] in refusal(zh_client, "test", "all", 1, 2**40, api_name="/browse_data")
    _, counts = client.predict("test", "all", 1, 0, api_name="/browse_data")
    assert "Images per class" in counts["plot"]
    client.predict(api_name="/builder_reset")
    zh_client.predict(api_name="/builder_reset")
    _, _, summary, status, _, _ = zh_client.predict(5, None, "random", 1, None, api_name="/network_view")
    assert status.startswith("**测试集图像 #5") and summary["data"][-1][0] == "合计"
    broken = tmp_path / "broken.png"             # a PNG header Gradio accepts, its pixels cut off
    Image.new("RGB", (40, 40), (200, 30, 30)).save(broken)
    broken.write_bytes(broken.read_bytes()[:80])
    upload = handle_file(str(broken))
    assert "无法解码" in refusal(zh_client, 0, upload, "random", 1, None, api_name="/network_view")
    assert "could not be decoded" in refusal(client, 0, upload, "random", 1, None, api_name="/network_view")
    _, _, summary, status, _, _ = client.predict(5, None, "random", 1, None, api_name="/network_view")
    assert status.startswith("**test image #5") and summary["data"][-1][0] == "total"
