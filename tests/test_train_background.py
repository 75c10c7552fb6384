"""A run's events from a thread of their own: ticks while a step is long, errors passed on, closing stops it."""
import threading
import time

import pytest

from nets.train.background import in_background


def slow_events(stop: threading.Event, pause_s: float, made: list):
    """Items 0, 1, 2, ... each after pause_s, ending once stop is set (as the engine does)."""
    for i in range(1000):
        if stop.is_set():
            return
        time.sleep(pause_s)
        made.append(i)
        yield i


def test_items_arrive_in_order_with_ticks_between_slow_ones():
    stop, made = threading.Event(), []
    assert [i for i in in_background(iter(range(3)), stop, 0.05) if i is not None] == [0, 1, 2]
    assert not stop.is_set()   # a run that ended by itself was not stopped
    ticks = in_background(slow_events(stop, 0.3, made), stop, 0.05)
    first = [next(ticks) for _ in range(3)]
    assert first == [None, None, None]   # the consumer hears every 0.05 s while the item takes 0.3 s
    ticks.close()


def test_closing_sets_stop_and_waits_for_the_producer():
    stop, made = threading.Event(), []
    stream = in_background(slow_events(stop, 0.2, made), stop, 0.05)
    while next(stream) is None:
        pass
    before = len(made)
    stream.close()   # what Gradio's cancel does to the handler, and through it to this generator
    count = len(made)
    assert stop.is_set() and count <= before + 1   # it finished the item in progress, no more (no timing: any CPU)
    time.sleep(0.3)
    assert len(made) == count   # nothing runs after close returns


def test_an_error_in_the_producer_is_raised_in_the_consumer():
    def failing():
        yield 1
        raise ValueError("diverged")
    with pytest.raises(ValueError, match="diverged"):
        list(in_background(failing(), threading.Event(), 0.05))


def test_an_iterator_that_cannot_see_the_flag_is_closed_at_its_next_item():
    stop, closed = threading.Event(), []

    def blind():
        try:
            while True:
                time.sleep(0.05)
                yield "step"
        finally:
            closed.append(True)
    stream = in_background(blind(), stop, 0.5)
    assert next(stream) == "step"
    stop.set()
    list(stream)   # ends: the producer closed the iterator after the item it put once stop was set
    assert closed == [True]
