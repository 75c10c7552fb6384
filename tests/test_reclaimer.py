"""Closing tabs never stalls the server: one reclaimer thread, passes merged and never concurrent, libc looked up once."""
import subprocess
import threading
import time
from types import SimpleNamespace

import gradio as gr
from gradio.state_holder import StateHolder

from nets import memory
from ui.common.reclaimer import Reclaimer
from ui.common.sessions import session_closed


def closed_tab(holder: StateHolder, session: str) -> SimpleNamespace:
    holder[session]   # the session exists, as for a tab that has used the page
    return SimpleNamespace(session_hash=session, request=SimpleNamespace(app=SimpleNamespace(state_holder=holder)))


def test_forty_closing_tabs_start_no_thread_each():
    with gr.Blocks() as demo:
        gr.State(None)
    holder = StateHolder()
    holder.set_blocks(demo)
    before = set(threading.enumerate())
    for i in range(40):
        session_closed(closed_tab(holder, f"tab{i}"))
    assert len(set(threading.enumerate()) - before) <= 1   # the one reclaimer, started once


def test_passes_asked_together_are_merged_and_never_overlap():
    running, most, done = [0], [0], threading.Event()
    lock = threading.Lock()

    def one_pass():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)   # a pass takes a while: a second one started meanwhile would overlap it
        with lock:
            running[0] -= 1
        done.set()

    reclaimer = Reclaimer(one_pass, min_gap_s=0.01)
    askers = [threading.Thread(target=reclaimer.ask, args=(1.0,)) for _ in range(40)]
    for th in askers:
        th.start()
    for th in askers:
        th.join()
    assert done.wait(30)
    while reclaimer.due is not None:   # the pass for the asks that came after the first one's
        time.sleep(0.05)
    time.sleep(0.2)
    assert most[0] == 1
    assert reclaimer.passes <= 2   # the first ask's pass, and one for the asks that came after it


def test_giving_memory_back_runs_no_subprocess(monkeypatch):
    memory.give_memory_back()   # the lookup, once per process

    def no_fork(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args[:1]}")
    monkeypatch.setattr(subprocess, "Popen", no_fork)
    memory.give_memory_back()
    memory.give_memory_back()
