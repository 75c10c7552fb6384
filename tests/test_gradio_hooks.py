"""Each place LayerLab reaches past Gradio's public API (ui/common/gradio_hooks.py) still attaches to the Gradio
installed. The closed-tab state hook is checked through Gradio's own StateHolder in tests/test_hosting.py, the page script
in real Chromium in tests/test_progress.py."""
import gradio as gr
from gradio_client import Client
from packaging.specifiers import SpecifierSet

from nets.text import TRANSLATIONS
from tests.conftest import ROOT, free_port
from ui.common.gradio_hooks import GRADIO_CHECKED, Marked, marked_properties
from ui.common.i18n import Page, current_locale, has_marker, t


def test_the_pinned_gradio_is_the_release_the_hooks_were_checked_against():
    pinned = next(line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
                  if line.startswith("gradio>") or line.startswith("gradio="))
    assert GRADIO_CHECKED in SpecifierSet(pinned.removeprefix("gradio")) and gr.__version__ in SpecifierSet(
        pinned.removeprefix("gradio"))


def test_a_handler_reads_the_request_it_answers_and_its_language():
    with gr.Blocks() as demo:
        out = gr.Textbox()
        gr.Button().click(lambda: current_locale(), None, out, api_name="locale")
    port = free_port()
    demo.queue().launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        chinese = Client(f"http://127.0.0.1:{port}/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}, verbose=False)
        english = Client(f"http://127.0.0.1:{port}/", headers={"Accept-Language": "en-US"}, verbose=False)
        assert chinese.predict(api_name="/locale") == "zh-CN" and english.predict(api_name="/locale") == "en"
    finally:
        demo.close()


def test_marked_text_is_gradios_own_and_found_again_in_every_built_component():
    assert type(gr.I18n()("x")) is Marked and type(t("builder.add")) is Marked
    with gr.Blocks() as demo:
        button = gr.Button(t("builder.add"))
        radio = gr.Radio([(t("network.weights_random"), "random")], value="random", label=t("network.weights"))
        note = gr.Markdown(t("data.status_starting"))
    assert set(marked_properties(button, has_marker)) >= {"value"}
    assert set(marked_properties(radio, has_marker)) >= {"label", "choices"}
    assert set(marked_properties(note, has_marker)) >= {"value"}
    Page().localize(demo)   # the first page, in English
    english = TRANSLATIONS["en"]
    assert button.value == english["builder.add"] and radio.label == english["network.weights"]
    assert radio.choices[0][0] == english["network.weights_random"] and english["data.status_starting"] in note.value

