"""Where each event shows its progress: on the results a learner waits for, never on the whole page.

Gradio's page keeps the loading status of every component that has been a progress target of an event (all of
its outputs, unless show_progress_on names some) and refreshes each of them on every status message of every
later event, copying its props and redrawing it. The language switch has nearly every component as an output,
so a do-nothing click took about 1 s in Chromium; with the switch's progress on one component, 0.35 s
(benchmarks/explorer_browser.py). Events whose progress is hidden therefore report it to one invisible
component, and the others to the outputs a learner sees, not to states, timers or containers (a whole tab).
"""
import gradio as gr
from gradio.blocks import BlockContext

UNSEEN = (gr.State, gr.BrowserState, gr.Timer, BlockContext)


def progress_sink() -> gr.HTML:
    """The invisible component that every event with hidden progress reports to."""
    return gr.HTML(visible=False, elem_id="progress-sink")


def narrow_progress(demo: gr.Blocks, sink: gr.HTML) -> None:
    """Point each event's progress at what shows it, unless the event names its own targets."""
    for fn in demo.fns.values():
        if fn.show_progress_on is None:
            seen = [] if fn.show_progress == "hidden" else [o for o in fn.outputs if not isinstance(o, UNSEEN)]
            fn.show_progress_on = seen or [sink]
