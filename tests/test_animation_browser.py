"""The sliding window's animation in real Chromium on a slow connection: each tick takes about a second, and a
pass still takes about PASS_SECONDS (fewer frames, each further on), not a frame's worth of steps per tick."""
import time

from tests.test_explorer_browser import open_explorer
from ui.explorer.tab import PASS_SECONDS

LATENCY_MS = 800   # added to every request: a tick's round trip as on a loaded CPU
# Page side: every step shown, until the window has passed the middle of the map and come round to the start.
CAME_ROUND = """() => { const m = /Step (\\d+) of 1024/.exec(document.body.innerText);
  if (!m) return false;
  const seen = window.llSeen = window.llSeen || [];
  if (seen[seen.length - 1] !== +m[1]) seen.push(+m[1]);
  return seen.some(n => n > 512) && +m[1] < seen[seen.length - 2]; }"""


def play_one_pass(page, screenshot, timeout_ms: int) -> tuple[float, list[int]]:
    """Press Animate, wait until the window has come round once, press Pause: (seconds, every step shown)."""
    page.get_by_role("button", name="Animate").click()
    started = time.monotonic()
    page.wait_for_function(CAME_ROUND, timeout=timeout_ms, polling=50)
    seconds, seen = time.monotonic() - started, page.evaluate("() => window.llSeen")
    page.get_by_role("button", name="Pause").click()
    page.screenshot(path=screenshot, full_page=True)
    return seconds, seen


def test_a_slow_tick_drops_frames_and_keeps_the_pass_in_seconds(page, screenshots):
    open_explorer(page)
    page.get_by_text("Step 1 of 1024").wait_for(timeout=60_000)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS,
                                                  "downloadThroughput": -1, "uploadThroughput": -1})
    seconds, seen = play_one_pass(page, screenshots / "explorer-animation-slow.png", 120_000)
    ticks = PASS_SECONDS / (LATENCY_MS / 1000)
    assert len(seen) <= ticks + 2, f"at most one frame a tick: {seen}"
    assert seconds < 2 * PASS_SECONDS + 3 * LATENCY_MS / 1000, f"a pass took {seconds:.0f} s: {seen}"
    assert page.errors == []
