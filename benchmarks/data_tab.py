"""Issue 12 figure: the Data tab in real Chromium, from a new seed (typed, Enter) to all 64 pictures drawn,
beside Gradio's do-nothing round trip measured in the same page, and /browse_data through gradio_client.

    python benchmarks/data_tab.py [ARCHIVE] [--runs N] [--api-runs N] [--cache DIR]
    (ARCHIVE defaults to $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz)

Goal from the issue: 64 images under 300 ms end to end. Runs against any version of the app whose Data tab
has elem_id "data-gallery", so the same script gives the before and after figures.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from benchmarks.explorer_browser import SHUFFLE, settle  # noqa: E402

# Resolves once the gallery shows `count` fully loaded pictures and is no longer the old set.
ALL_DRAWN = """([old, count]) => {
  const imgs = [...document.querySelectorAll('#data-gallery img')];
  return imgs.length >= count && imgs.map(i => i.src).join() !== old.join() &&
         imgs.every(i => i.complete && i.naturalWidth > 0);
}"""
# Timed in the page: from the Enter key's own event to the frame that finds every picture drawn.
ARM_ENTER = "() => { window.__pressed = null; document.addEventListener('keydown', "\
            "(e) => { if (e.key === 'Enter') window.__pressed = e.timeStamp; }, {once: true, capture: true}); }"
SINCE_ENTER = f"""(arg) => window.__pressed !== null && ({ALL_DRAWN})(arg) && performance.now() - window.__pressed"""


def summary(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{label}: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms over {len(ms)}"


def gallery_sources(page) -> list[str]:
    return page.eval_on_selector_all("#data-gallery img", "els => els.map(e => e.src)")


def time_pages(page, runs: int, count: int) -> list[float]:
    seed = page.get_by_label("Seed", exact=True)
    times = []
    for i in range(1, runs + 1):
        old = gallery_sources(page)
        seed.fill(str(i))
        page.evaluate(ARM_ENTER)
        seed.press("Enter")
        times.append(page.wait_for_function(SINCE_ENTER, arg=[old, count], timeout=30_000,
                                            polling="raf").json_value())
    return times


def time_round_trip(page, runs: int) -> list[float]:
    """Gradio's own cost, timed in the page: Shuffle's first step, a handler that only adds one to the seed
    (queue=False)."""
    times = []
    seed = page.get_by_label("Seed", exact=True)
    button = page.get_by_role("button", name="Shuffle")
    for _ in range(runs):
        old = gallery_sources(page)
        times.append(page.evaluate(SHUFFLE, [button.element_handle(), seed.element_handle()]))
        page.wait_for_function(ALL_DRAWN, arg=[old, 64], timeout=30_000)   # let the redraw finish
    return times


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--api-runs", type=int, help="calls of /browse_data to time (default: --runs)")
    p.add_argument("--cache", help="a LayerLab cache folder to reuse (default: a fresh one, decoded again)")
    args = p.parse_args()
    from gradio_client import Client
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as fresh:
        cache = args.cache or fresh
        env = dict(os.environ, LAYERLAB_CACHE=cache, LAYERLAB_TEST_LOG=str(Path(cache) / "app.log"))
        proc, url = start_app(["--data", args.archive], env)
        try:
            client = Client(url, verbose=False)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
                page.goto(url)
                page.get_by_role("tab", name="Data", exact=True).click()   # the page opens on Lessons
                page.get_by_text("CIFAR-10 ready").wait_for(timeout=120_000)
                box = page.get_by_label("number input for Number of images")
                box.fill("64")
                box.press("Tab")
                page.wait_for_function("() => document.querySelectorAll('#data-gallery img').length >= 64",
                                       timeout=30_000)
                settle(page)
                time_pages(page, 3, 64)   # warm-up
                print(summary("baseline: Gradio round trip in the page (Shuffle: seed + 1, no images)",
                              time_round_trip(page, args.runs)))
                print(summary("Data tab in Chromium: new seed + Enter -> 64 pictures drawn (goal < 300 ms)",
                              time_pages(page, args.runs, 64)))
                browser.close()
            api = []
            for i in range(args.runs if args.api_runs is None else args.api_runs):
                start = time.perf_counter()
                client.predict("test", "all", 64, i, api_name="/browse_data")
                api.append((time.perf_counter() - start) * 1000)
            print(summary("/browse_data through gradio_client, 64 pictures in the answer (goal < 300 ms)", api))
        finally:
            stop_app(proc)


if __name__ == "__main__":
    main()
