"""Values Gradio would refuse in its own English before any handler (a text for an upload or a table) are refused
first, by LayerLab, in the caller's language, through Gradio's own server: this fails if the check stops attaching
(ui/common/prechecks.py wraps Blocks.process_api, checked against Gradio 6.31)."""
import inspect
import json

import gradio as gr
import pytest
from gradio_client import Client, handle_file

from nets.text import text
from tests.conftest import free_port
from tests.hostile import raw_refusal
from ui.common import prechecks
from ui.common.i18n import Page, t


def echo(file, rows):
    """What the handler got: the upload's name and the table's first cell."""
    return f"{(file or {}).get('orig_name')} {rows['data'][0][0] if rows else None}"


@pytest.fixture(scope="module")
def app():
    with gr.Blocks() as demo:
        upload = gr.File(label=t("train.upload"))
        table = gr.Dataframe([[1, "conv1"]], headers=["#", "name"], label=t("builder.table"))
        out = gr.Textbox()
        gr.Button().click(echo, [upload, table], out, api_name="echo", preprocess=False)
        page = Page()
        page.localize(demo)
        prechecks.check_first(demo, page)
    demo.queue().launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, show_error=True)   # as app.py
    yield demo
    demo.close()


def refusal(demo, locale: str, *args) -> str:
    client = Client(demo.local_url, verbose=False, headers={"Accept-Language": locale})
    with pytest.raises(Exception) as refused:
        client.predict(*args, api_name="/echo")
    return str(refused.value)


def test_gradio_still_runs_the_checks_where_they_attach():
    assert {"block_fn", "inputs", "request", "iterator", "explicit_call"} <= set(
        inspect.signature(gr.Blocks.process_api).parameters)


def test_a_text_for_an_upload_is_refused_in_the_callers_language(app):
    table = {"headers": ["#", "name"], "data": [[1, "conv1"]]}
    message = refusal(app, "zh-CN", "not a file", table)
    assert text("train.upload", "zh-CN") in message and "必须是上传的文件" in message, message
    assert "'not a file'" in message and "validation error" not in message and "） 必须" not in message
    english = refusal(app, "en", 42, table)
    assert text("train.upload", "en") in english and "must be an uploaded file" in english, english


def test_a_text_for_a_table_is_refused_naming_the_table(app):
    message = refusal(app, "zh-CN", None, "abc")
    assert text("builder.table", "zh-CN") in message and "必须是一个表格" in message, message


def test_a_path_on_the_server_is_not_an_upload(app):
    """Sent as raw JSON: gradio_client would upload the file a FileData names."""
    body = json.dumps({"data": [{"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}, None]})
    message = raw_refusal(app.local_url, "/echo", body, "zh-CN")
    assert "必须是上传的文件" in message and "/etc/hostname" in message, message


def test_uploads_and_tables_as_the_page_sends_them_still_reach_the_handler(app, tmp_path):
    path = tmp_path / "weights.pth"
    path.write_bytes(b"0" * 10)
    client = Client(app.local_url, verbose=False)
    got = client.predict(handle_file(str(path)), {"headers": ["#", "name"], "data": [[7, "fc"]]}, api_name="/echo")
    assert got == "weights.pth 7"


def test_a_call_with_too_few_values_is_told_how_many_it_takes(app):
    """Before: Gradio's 'An event handler (echo) didn't receive enough input values', with its traceback."""
    message = raw_refusal(app.local_url, "/echo", json.dumps({"data": []}), "zh-CN")
    assert message == text("validate.count", "zh-CN", want=2, got=0), message
