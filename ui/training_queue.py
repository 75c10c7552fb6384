"""The one training slot a server shares: who waits for it, and an honest estimate of each visitor's wait."""
import threading
import time
from collections import OrderedDict

import gradio as gr

from nets import limits
from nets.text import Phrase, text
from ui import hosting
from ui.i18n import current_locale


class TrainingSlot:
    """The run in the slot (when it ends at the latest, when its ETA says) and the sessions waiting, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.waiting: OrderedDict[str, float] = OrderedDict()   # session → when it asked, oldest first
        self.ends_by: float | None = None   # monotonic time the running run reaches its budget; None: slot free
        self.eta_at: float | None = None    # monotonic time the running run's own ETA says it ends
        self.holder: object | None = None   # the running run's token: only it reports or frees the slot

    def join(self, session: str) -> None:
        with self.lock:
            self.waiting.setdefault(session, time.monotonic())

    def leave(self, session: str) -> None:
        with self.lock:
            self.waiting.pop(session, None)

    def start(self, session: str, budget_s: float) -> object:
        """session's run takes the slot, to end within budget_s; returns the token it reports and frees with."""
        with self.lock:
            self.waiting.pop(session, None)
            self.ends_by, self.eta_at, self.holder = time.monotonic() + budget_s, None, object()
            return self.holder

    def report(self, holder: object, eta_s: float) -> None:
        with self.lock:
            if holder is self.holder:
                self.eta_at = time.monotonic() + eta_s

    def free(self, holder: object) -> None:
        """Release the slot if holder still has it: a cancelled run closes after the next run took it."""
        with self.lock:
            if holder is self.holder:
                self.ends_by = self.eta_at = self.holder = None

    def wait(self, session: str) -> tuple[int, float, float]:
        """(runs ahead of session's, seconds the running run has left, seconds until session's run starts at most)."""
        with self.lock:
            order = list(self.waiting)
            ahead = order.index(session) if session in order else len(order)
            now = time.monotonic()
            left = 0.0 if self.ends_by is None else max(0.0, min(self.ends_by, self.eta_at or self.ends_by) - now)
            return ahead, left, left + ahead * limits.MAX_RUN_S


SLOT = TrainingSlot()


def duration(seconds: float, locale: str) -> str:
    """A wait or a run's length in words: seconds up to 90 s, then minutes."""
    return text("train.minutes", locale, n=seconds / 60) if seconds >= 90 else text("train.seconds", locale, n=seconds)


def queue_place(request: gr.Request) -> str:
    """The status while a visitor waits: runs ahead of theirs, and when theirs starts at the latest."""
    session = request.session_hash if request else ""
    SLOT.join(session)
    ahead, left, within = SLOT.wait(session)
    locale = current_locale()   # the request being handled (an API caller's Accept-Language included)
    if not left and not ahead:
        return text("train.queue_starting", locale)
    runs = Phrase("train.queue_many_ahead", count=ahead) if ahead > 1 else \
        Phrase("train.queue_one_ahead" if ahead else "train.queue_none_ahead")
    return text("train.queue_wait", locale, left=duration(left, locale), ahead=runs, within=duration(within, locale),
                budget=text("train.budget", locale, minutes=limits.MAX_RUN_S / 60))
