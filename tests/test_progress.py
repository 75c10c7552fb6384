"""Each event's progress goes where a learner looks, and Gradio's page keeps no input of a finished event."""
import gradio as gr
from gradio.blocks import BlockContext
from gradio.components import Component

from app import demo
from ui.common.gradio_hooks import PROGRESS_SINK

# In the page, Gradio's own loading-status class (found as the patch finds it), given one event with one output
# and two inputs that finishes the way every event does ("complete", stream state "closed").
KEPT_AFTER_AN_EVENT = """async () => {
  const url = performance.getEntriesByType("resource").map(e => e.name).find(n => /\\/statustracker-/.test(n));
  const module = await import(url);
  const Status = Object.values(module).find(v => typeof v === "function" && v.prototype?.resolve_args);
  const status = new Status();
  status.register(1, [10], [20, 21], "full");
  status.update({fn_index: 1, status: "pending", stream_state: null});
  status.update({fn_index: 1, status: "complete", stream_state: "closed"});
  return {patched: !!Status.prototype.layerlabInputsDropped, kept: Object.keys(status.current).map(Number)};
}"""


def unseen(block) -> bool:
    """A state, a timer or a layout (a row, a tab: a gr.HTML is a BlockContext too, but a seen component)."""
    return isinstance(block, (gr.State, gr.BrowserState, gr.Timer)) or \
        (isinstance(block, BlockContext) and not isinstance(block, Component))


def progress_targets(fn) -> list:
    """What Gradio's page keeps a loading status for after the event: show_progress_on, else every output."""
    return fn.show_progress_on or fn.outputs


def test_no_event_shows_progress_on_a_state_a_timer_or_a_container():
    for fn in demo.fns.values():
        for target in progress_targets(fn):
            assert not unseen(target), (fn.name, type(target).__name__)


def test_every_event_with_hidden_progress_reports_it_to_the_one_sink():
    assert PROGRESS_SINK in demo.blocks.values()
    for fn in demo.fns.values():
        if fn.show_progress == "hidden" and fn.outputs and fn.targets:   # gr.api: a program's, never the page's
            assert fn.show_progress_on == [PROGRESS_SINK], f"{fn.name}: use **HIDDEN_PROGRESS"


def test_the_language_switch_shows_no_progress_on_the_page_it_relabels():
    relabels = [fn for fn in demo.fns.values() if len(fn.outputs) > 100]
    assert relabels, "the language switch rewrites every labelled component"
    for fn in relabels:
        assert fn.show_progress_on == [PROGRESS_SINK]


def test_the_page_keeps_the_outputs_of_a_finished_event_and_not_its_inputs(page):
    result = page.evaluate(KEPT_AFTER_AN_EVENT)
    assert result == {"patched": True, "kept": [10]}, "Gradio's frontend changed: see ui/common/gradio_hooks.py"
    assert page.errors == []
