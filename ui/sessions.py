"""What a visitor's closed tab gives back: their training run, their place in the training queue, and soon their
per-visitor state."""
import gradio as gr

from nets import limits
from ui.i18n import forget_session
from ui.reclaimer import RECLAIMER
from ui.training_queue import SLOT
from ui.training_run import end_closed_session


def session_closed(request: gr.Request) -> None:
    """demo.unload's handler: the visitor's tab has closed."""
    end_closed_session(request.session_hash)
    SLOT.leave(request.session_hash)
    forget_session(request.session_hash)
    session = request.request.app.state_holder.session_data.get(request.session_hash)
    if session is not None:
        # Gradio keeps a closed session's gr.State (the visitor's model: up to 9 copies of the largest
        # network's weights) for an hour; its own sweep (every second) drops it after this instead.
        # (gr.State(time_to_live=...) counts from the last update whether the tab is open or not, so it
        # would take the model from a visitor still reading the page.)
        session.STATE_TTL_WHEN_CLOSED = limits.CLOSED_SESSION_S
        RECLAIMER.ask(limits.CLOSED_SESSION_S + 2)   # once Gradio's sweep has dropped it: one pass for many tabs
