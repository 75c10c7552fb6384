"""One registry holds what a session keeps outside gr.State, and closing a tab forgets it in one call."""
import threading

from ui.common import sessions
from ui.common.sessions import Sessions


def test_closing_a_tab_stops_its_run_forgets_its_language_and_its_place_in_line():
    registry = Sessions()
    registry.choose_locale("tab", "zh-CN")
    registry.slot.join("tab")
    stop = registry.begin_run("tab", {"step": 3})
    registry.close("tab")
    assert stop.is_set() and registry.locale("tab") is None and registry.slot.wait("other")[0] == 0
    assert registry.take_closed("tab") and not registry.take_closed("tab")   # told once: a next Start trains


def test_a_run_begun_after_its_tab_closed_is_stopped_from_the_start():
    registry = Sessions()
    registry.close("tab")
    assert registry.begin_run("tab", {}).is_set()
    assert not registry.begin_run("tab", {}).is_set()   # the mark went with that run


def test_a_visitors_next_run_is_not_ended_by_the_last_ones_closing():
    registry = Sessions()
    first = registry.begin_run("tab", {"n": 1})
    second = registry.begin_run("tab", {"n": 2})   # Gradio may start it before the first one closes
    registry.end_run("tab", first)
    assert registry.live_run("tab") == {"n": 2}
    registry.stop("tab")
    assert second.is_set() and not first.is_set()


def test_the_registry_forgets_the_oldest_sessions_past_its_bound(monkeypatch):
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 3)
    registry = Sessions()
    for i in range(5):
        registry.choose_locale(f"tab{i}", "zh-CN")
    assert list(registry.by_id) == ["tab2", "tab3", "tab4"]


def test_the_slot_and_the_sessions_share_one_lock():
    registry = Sessions()
    assert registry.slot.lock is registry.lock
    held = threading.Event()
    with registry.lock:   # reentrant: close() leaves the line under the lock it holds
        registry.close("tab")
        held.set()
    assert held.is_set()
