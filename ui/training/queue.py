"""An honest estimate of each visitor's wait for the one training slot a server shares (ui.common.sessions holds it)."""
import gradio as gr

from nets import limits
from nets.text import Phrase, text
from ui.common import hosting
from ui.common.i18n import current_locale
from ui.common.sessions import SESSIONS


def duration(seconds: float, locale: str) -> str:
    """A wait or a run's length in words: seconds up to 90 s, then minutes."""
    return text("train.minutes", locale, n=seconds / 60) if seconds >= 90 else text("train.seconds", locale, n=seconds)


def queue_place(request: gr.Request) -> str:
    """The status while a visitor waits: runs ahead of theirs, and when theirs starts at the latest."""
    session = request.session_hash if request else ""
    SESSIONS.slot.join(session)
    ahead, left, within = SESSIONS.slot.wait(session)
    locale = current_locale()   # the request being handled (an API caller's Accept-Language included)
    if not left and not ahead:
        return text("train.queue_starting", locale)
    runs = Phrase("train.queue_many_ahead", count=ahead) if ahead > 1 else \
        Phrase("train.queue_one_ahead" if ahead else "train.queue_none_ahead")
    return text("train.queue_wait", locale, left=duration(left, locale), ahead=runs, within=duration(within, locale),
                budget=text("train.budget", locale, minutes=limits.MAX_RUN_S / 60))
