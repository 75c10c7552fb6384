"""Each event's progress goes where a learner looks, and Gradio's page keeps no input of a finished event."""
from app import demo
from ui.common.gradio_hooks import unseen

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


def test_no_event_shows_progress_on_a_state_a_timer_or_a_container():
    sink = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "progress-sink")
    for fn in demo.fns.values():
        assert fn.show_progress_on, f"{fn.name} would show progress on all {len(fn.outputs)} outputs"
        for target in fn.show_progress_on:
            assert target is sink or not unseen(target), (fn.name, type(target).__name__)
        if fn.show_progress == "hidden":
            assert fn.show_progress_on == [sink], fn.name


def test_the_language_switch_shows_no_progress_on_the_page_it_relabels():
    relabels = [fn for fn in demo.fns.values() if len(fn.outputs) > 100]
    assert relabels, "the language switch rewrites every labelled component"
    for fn in relabels:
        assert len(fn.show_progress_on) == 1 and not unseen(fn.show_progress_on[0])


def test_the_page_keeps_the_outputs_of_a_finished_event_and_not_its_inputs(page):
    result = page.evaluate(KEPT_AFTER_AN_EVENT)
    assert result == {"patched": True, "kept": [10]}, "Gradio's frontend changed: see ui/common/gradio_hooks.py"
    assert page.errors == []
