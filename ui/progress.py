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
from gradio.components import Component


def unseen(block) -> bool:
    """A state, a timer or a layout (a row, a tab: a gr.HTML is a BlockContext too, but a seen component)."""
    return isinstance(block, (gr.State, gr.BrowserState, gr.Timer)) or \
        (isinstance(block, BlockContext) and not isinstance(block, Component))


# The page script assets/progress.html (app.py puts it in the <head>), checked against Gradio 6.31.0, the one
# place LayerLab changes Gradio's page: Gradio 6's page also keeps, from its last status message on, every INPUT
# of every event that has run (the status "closed" marks them as stream inputs): the explorer's 25 controls, then
# every other tab's. Each later status message walks the page's component tree once per kept component (1,300
# walks per slider update, 76 kept). LayerLab streams no input, so inputs that were never streaming are not kept.
# The class is found by its method (its file name and export change with every Gradio build); without it the page
# works as before, only slower, and tests/test_progress.py fails.


def progress_sink() -> gr.HTML:
    """The invisible component that every event with hidden progress reports to."""
    return gr.HTML(visible=False, elem_id="progress-sink")


def narrow_progress(demo: gr.Blocks, sink: gr.HTML) -> None:
    """Point each event's progress at what shows it, unless the event names its own targets."""
    for fn in demo.fns.values():
        if fn.show_progress_on is None:
            seen = [] if fn.show_progress == "hidden" else [o for o in fn.outputs if not unseen(o)]
            fn.show_progress_on = seen or [sink]
