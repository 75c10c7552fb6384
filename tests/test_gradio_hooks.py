"""Each place LayerLab reaches past Gradio's public API (ui/common/gradio_hooks.py) still attaches to the Gradio
installed. The closed-tab state hook is checked through Gradio's own StateHolder in tests/test_hosting.py, the page script
in real Chromium in tests/test_progress.py."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import pandas as pd
from gradio.state_holder import SessionState
from gradio_client import Client
from packaging.specifiers import SpecifierSet

from nets.text import TRANSLATIONS
from tests.conftest import ROOT, free_port
from ui.common.gradio_hooks import GRADIO_CHECKED, Marked, marked_properties, rare_queue_summary, skips_pass_through
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


def queue_summary_after_calls(calls: int) -> dict:
    """The monitoring summary Gradio's queue holds after `calls` queued events of a one-event app."""
    with gr.Blocks() as demo:
        gr.Button().click(lambda x: x + 1, gr.Number(), gr.Number(), api_name="add")
    port = free_port()
    demo.queue().launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        assert [client.predict(i, api_name="/add") for i in range(calls)] == list(range(1, calls + 1))
        return demo._queue.cached_event_analytics_summary
    finally:
        demo.close()


def test_the_queue_does_not_recompute_its_monitoring_summary_after_every_event(monkeypatch):
    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    assert queue_summary_after_calls(3)["functions"]   # Gradio's default: recomputed after each event
    rare_queue_summary()
    assert queue_summary_after_calls(3) == {"functions": {}}   # not once in three events


def sent(demo, fn, answer, state):
    """What Gradio's postprocessing sends the page for `answer`, run in a thread of its own (a browser test before
    leaves Playwright's event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, demo.postprocess_data(fn, answer, state)).result()


def test_a_skipped_output_reaches_the_page_as_gradio_sends_it_without_its_component_built_again():
    with gr.Blocks() as demo:
        text, number, slider, note = gr.Textbox(), gr.Number(), gr.Slider(0, 9), gr.Markdown()
        table, kept = gr.Dataframe(), gr.State(1)
        outputs = [text, number, slider, note, table, kept]
        gr.Button().click(lambda: None, None, outputs)
    fn = next(iter(demo.fns.values()))
    frame = pd.DataFrame({"a": [1, 2]})   # a value whose == is not a bool
    answers = [[gr.skip(), 3, gr.skip(), gr.update(visible=False), frame, gr.skip()],
               ["a", gr.skip(), gr.update(maximum=5), gr.skip(), gr.skip(), 2],
               {number: 4, kept: 2},   # by component: the others left as they are
               gr.skip()]              # one skip for every output
    gradios = [sent(demo, fn, answer, SessionState(demo)) for answer in answers]
    assert all(gradio_sent[-1] is None for gradio_sent in gradios)   # Gradio's null for the state
    skips_pass_through(demo)
    for answer, gradio_sent in zip(answers, gradios):
        state = SessionState(demo)
        # the same, but the state's value set on the server only: the page is sent an update that changes nothing
        assert sent(demo, fn, answer, state) == [*gradio_sent[:-1], gr.skip()]
        as_list = answer if isinstance(answer, list) else [answer.get(block, gr.skip()) for block in outputs] \
            if answer != gr.skip() else [gr.skip()] * len(outputs)
        assert state[kept._id] == (2 if as_list[-1] == 2 else 1)
        for block, value in zip(outputs, as_list):   # a skipped component is the page's own, not one built again
            if isinstance(value, dict) and value == gr.skip() and not block.stateful:
                assert state.blocks_config.blocks[block._id] is block
    state = SessionState(demo)
    sent(demo, fn, answers[0], state)
    assert state.blocks_config.blocks[number._id] is number and state.blocks_config.blocks[note._id] is not note
