"""What a visitor's session keeps outside gr.State, behind one lock: what another event of theirs must reach (their
run's Stop flag and live values, that their tab closed, the language they chose) and the training slot every
visitor shares. session_closed is the one place a closed tab is forgotten.

Everything else a visitor has (their model, their runs, their network) is a gr.State of theirs."""
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import gradio as gr

from nets import limits
from ui.common.gradio_hooks import drop_closed_state
from ui.common.reclaimer import RECLAIMER

MAX_SESSIONS = 100_000   # sessions remembered at most (a few MB): tabs that never said goodbye go first


@dataclass
class Session:
    locale: str | None = None             # the language the visitor chose; None: their Accept-Language
    stop: threading.Event | None = None   # their run's Stop flag, while one trains
    run: dict | None = None               # that run's live values (a language switch redraws it from here)
    closed: bool = False                  # their tab closed since their last run began


class TrainingSlot:
    """The run in the slot (when it ends at the latest, when its ETA says) and the sessions waiting, in order."""

    def __init__(self, lock=None):   # a threading.RLock shared with the registry; its own otherwise
        self.lock = lock or threading.RLock()
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


class Sessions:
    """Every session's Session, oldest first, and the training slot, under one lock (Gradio runs events and
    unload handlers in worker threads)."""

    def __init__(self):
        self.lock = threading.RLock()
        self.by_id: OrderedDict[str, Session] = OrderedDict()
        self.slot = TrainingSlot(self.lock)

    def _session(self, session: str) -> Session:
        """session's record, made if new and moved last; call with the lock held."""
        record = self.by_id.pop(session, None) or Session()
        self.by_id[session] = record
        while len(self.by_id) > MAX_SESSIONS:
            self.by_id.popitem(last=False)
        return record

    def locale(self, session: str) -> str | None:
        with self.lock:
            record = self.by_id.get(session)
            return record.locale if record else None

    def choose_locale(self, session: str, locale: str) -> None:
        with self.lock:
            self._session(session).locale = locale

    def take_closed(self, session: str) -> bool:
        """Whether session's tab closed since its last run began; forgotten once asked, so a next Start trains."""
        with self.lock:
            record = self.by_id.get(session)
            if record is None or not record.closed:
                return False
            record.closed = False
            return True

    def begin_run(self, session: str, run: dict) -> threading.Event:
        """run's own Stop flag, set at once if the tab closed since the last check (nobody would see the run)."""
        # Each run its own flag: Gradio may start a visitor's next run before it closes their cancelled one,
        # whose closing sets that run's flag.
        with self.lock:
            record = self._session(session)
            record.stop, record.run = threading.Event(), run
            if record.closed:
                record.closed = False
                record.stop.set()
            return record.stop

    def end_run(self, session: str, stop: threading.Event) -> None:
        """The run whose flag is stop has ended (unless the visitor's next run has replaced it)."""
        with self.lock:
            record = self.by_id.get(session)
            if record is not None and record.stop is stop:
                record.stop = record.run = None

    def live_run(self, session: str) -> dict | None:
        with self.lock:
            record = self.by_id.get(session)
            return record.run if record else None

    def stop(self, session: str) -> None:
        """Set session's Stop flag, if it has a run."""
        with self.lock:
            record = self.by_id.get(session)
            if record is not None and record.stop is not None:
                record.stop.set()

    def close(self, session: str) -> None:
        """The tab closed: its run stops as a Stop would, a queued run of it will not start, its place in the
        waiting line and its language are forgotten."""
        with self.lock:
            record = self._session(session)
            record.closed, record.locale = True, None
            if record.stop is not None:
                record.stop.set()
            self.slot.leave(session)


SESSIONS = Sessions()


def session_closed(request: gr.Request) -> None:
    """demo.unload's handler: the visitor's tab has closed."""
    SESSIONS.close(request.session_hash)
    # Gradio keeps a closed session's gr.State (the visitor's model: up to 9 copies of the largest network's
    # weights) for an hour; dropped after CLOSED_SESSION_S instead.
    if drop_closed_state(request, limits.CLOSED_SESSION_S):
        RECLAIMER.ask(limits.CLOSED_SESSION_S + 2)   # once Gradio's sweep has dropped it: one pass for many tabs
