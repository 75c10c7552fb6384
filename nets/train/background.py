"""A run's events made in a thread of their own: the consumer hears from it on time even while a step is long."""
import queue
import threading

_END = object()


def in_background(events, stop: threading.Event, tick_s: float):
    """The items of the iterator events, produced in a thread; None after each tick_s without one.

    Closing this generator before the end (a Stop, Gradio cancelling the request) sets stop and waits for the
    thread to end, so the caller may use what the thread changed (the model) at once after."""
    # A Gradio generator can only be cancelled when it yields; one training step at batch 1024 on a loaded
    # CPU takes seconds, so the ticks are what let a cancel land within a second.
    box = queue.SimpleQueue()
    thread = threading.Thread(target=produce, args=(events, box, stop), daemon=True, name="layerlab-run")
    thread.start()
    item = None
    try:
        while item is not _END:
            try:
                item = box.get(timeout=tick_s)
            except queue.Empty:
                yield None
                continue
            if isinstance(item, BaseException):
                raise item
            if item is not _END:
                yield item
    finally:
        if item is not _END and not isinstance(item, BaseException):
            stop.set()
        thread.join()


def produce(events, box: queue.SimpleQueue, stop: threading.Event) -> None:
    """Put the items of events in box until one comes after stop is set, then the end mark; an exception is put
    in place of the rest."""
    # The engine ends by itself after a Stop; an iterator that cannot see the flag (a ZeroGPU worker's)
    # is closed at its next item.
    try:
        for item in events:
            box.put(item)
            if stop.is_set():
                break
    except BaseException as e:   # handed to the consumer's thread, raised there
        box.put(e)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
        box.put(_END)
