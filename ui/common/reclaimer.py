"""One background reclaimer: memory freed by closed tabs goes back to the system in one pass at a time.

Tabs that close together ask for passes that fall close together; they are coalesced, so forty tabs closing at
once cost one pass (two at most: one when the first tab's state has gone, one when the last tab's has), never
forty threads at once. A pass hands glibc's free pages back (malloc_trim, which runs without the GIL) and
collects only the young generations: a closed tab's model and runs hold no reference cycles (measured: a finished
run's dropped state left no tensor to the collector, every weight was freed at once), while a full collection of
the 530,000 objects of an idle server held the GIL for 1.0-1.4 s (load 6 on 2 cores) with every request waiting."""
import gc
import threading
import time

from nets.memory import give_memory_back

MIN_GAP_S = 10.0   # between two passes, however often tabs close


class Reclaimer:
    """Runs pass_fn in its own thread at the times asked for, merging every ask that falls before a pass."""

    def __init__(self, pass_fn=None, min_gap_s: float = MIN_GAP_S):
        self.pass_fn = pass_fn or reclaim_memory
        self.min_gap_s = min_gap_s
        self.wake = threading.Condition()
        self.due: float | None = None    # monotonic time of the next pass; None: nothing asked
        self.later: float | None = None  # the latest ask after `due`: one more pass then covers it
        self.passes = 0                  # passes run so far
        self.thread: threading.Thread | None = None

    def ask(self, after_s: float) -> None:
        """A pass once after_s seconds have gone by (merged with the one already due, if any)."""
        at = time.monotonic() + after_s
        with self.wake:
            if self.due is None:
                self.due = at
            elif at > self.due:
                self.later = max(self.later or at, at)
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="layerlab-reclaimer", daemon=True)
                self.thread.start()
            self.wake.notify()

    def run(self) -> None:
        while True:
            with self.wake:
                while self.due is None or time.monotonic() < self.due:
                    self.wake.wait(None if self.due is None else self.due - time.monotonic())
                self.due, self.later = self.later, None
            self.pass_fn()
            self.passes += 1
            time.sleep(self.min_gap_s)   # a steady stream of closing tabs: one pass every min_gap_s at most


def reclaim_memory() -> None:
    """Collect recent reference cycles and hand the freed memory back to the system."""
    gc.collect(1)   # generations 0 and 1: microseconds, however big the process
    give_memory_back()


RECLAIMER = Reclaimer()
