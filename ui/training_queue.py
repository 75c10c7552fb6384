"""The one training slot a server shares: who waits for it, and an honest estimate of each visitor's wait."""
import threading
import time
from collections import OrderedDict

import gradio as gr

from nets import limits
from ui import hosting


class TrainingSlot:
    """The run in the slot (when it ends at the latest, when its ETA says) and the sessions waiting, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.waiting: OrderedDict[str, float] = OrderedDict()   # session → when it asked, oldest first
        self.ends_by: float | None = None   # monotonic time the running run reaches its budget; None: slot free
        self.eta_at: float | None = None    # monotonic time the running run's own ETA says it ends

    def join(self, session: str) -> None:
        with self.lock:
            self.waiting.setdefault(session, time.monotonic())

    def leave(self, session: str) -> None:
        with self.lock:
            self.waiting.pop(session, None)

    def start(self, session: str, budget_s: float) -> None:
        """session's run takes the slot; it ends within budget_s."""
        with self.lock:
            self.waiting.pop(session, None)
            self.ends_by, self.eta_at = time.monotonic() + budget_s, None

    def report(self, eta_s: float) -> None:
        with self.lock:
            self.eta_at = time.monotonic() + eta_s

    def free(self) -> None:
        with self.lock:
            self.ends_by = self.eta_at = None

    def wait(self, session: str) -> tuple[int, float, float]:
        """(runs ahead of session's, seconds the running run has left, seconds until session's run starts at most)."""
        with self.lock:
            order = list(self.waiting)
            ahead = order.index(session) if session in order else len(order)
            now = time.monotonic()
            left = 0.0 if self.ends_by is None else max(0.0, min(self.ends_by, self.eta_at or self.ends_by) - now)
            return ahead, left, left + ahead * limits.MAX_RUN_S


SLOT = TrainingSlot()


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def queue_place(request: gr.Request) -> str:
    """The status while a visitor waits: runs ahead of theirs, and when theirs starts at the latest."""
    session = request.session_hash if request else ""
    SLOT.join(session)
    ahead, left, within = SLOT.wait(session)
    if not left and not ahead:
        return "Starting your run…"
    runs = f"{ahead} run{'s' if ahead != 1 else ''} waiting before yours" if ahead else "no run waiting before yours"
    return (f"**Waiting for the training slot** (one run trains at a time): the run training now ends in about "
            f"{minutes(left)}, and {runs}; each run may train for at most {hosting.budget_text()}, so yours "
            f"starts within {minutes(within)}.")
