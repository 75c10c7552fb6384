"""Issue 12 figures: the Layer explorer in real Chromium, from releasing the kernel_size slider to the new
output picture drawn, beside Gradio's do-nothing round trip in the same page (the explorer's Shuffle: a
handler that only adds one to the seed), and 8 gradio_client users on /explore at once (updates/s in all, the users
in separate processes, as programs run by default and reusing one TLS context as the README's example does;
benchmarks/explorer_api.py also times them as threads of one process).

    python benchmarks/explorer_browser.py [ARCHIVE] [--runs N] [--users 8] [--seconds 20]
    (ARCHIVE defaults to $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz)

Goals from the issue: median < 150 ms, p95 < 250 ms on two idle cores; 8 users >= 12 updates/s. On a shared
machine the ratio to the round trip is the comparable figure. Finds the output picture both as the old
gr.Image (labelled "Output batch") and as the inline #explorer-output, so one script gives before and after.
"""
import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.explorer_api import api_rate, app_with_data  # noqa: E402
from tests.conftest import add_archive_argument, settle  # noqa: E402
try:
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
except ImportError:   # before the browser fixtures moved to conftest: lets this script time older versions
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUTPUT_IMG = """() => document.querySelector('#explorer-output img') ||
  [...document.querySelectorAll('.block')].find(b => [...b.querySelectorAll('label, span')]
    .some(l => l.textContent.trim() === 'Output batch'))?.querySelector('img')"""
# Resolves once the output picture is a new one, loaded and decoded.
DRAWN = f"""(old) => {{ const img = ({OUTPUT_IMG})();
  return img && img.src !== old && img.complete && img.naturalWidth > 0; }}"""


def summary(label: str, ms: list[float]) -> tuple[str, float]:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    median = statistics.median(ms)
    return f"{label}: median {median:.0f} ms, p95 {p95:.0f} ms over {len(ms)}", median


def output_src(page) -> str:
    return page.evaluate(f"() => ({OUTPUT_IMG})()?.src || ''")


# Timed in the page (performance.now()), from the release's own pointerup event to the first animation frame
# that finds the new picture decoded: Playwright's round trips (about 0.1-0.5 s a call under load) stay out.
ARM_RELEASE = "() => { window.__released = null; document.addEventListener('pointerup', "\
              "(e) => { window.__released = e.timeStamp; }, {once: true, capture: true}); }"
SINCE_RELEASE = f"""(old) => {{ const img = ({OUTPUT_IMG})();
  return window.__released !== null && img && img.src !== old && img.complete && img.naturalWidth > 0
    && performance.now() - window.__released; }}"""
# Gradio's own round trip: the click dispatched in the page, until Shuffle's new seed shows in the box.
SHUFFLE = """async ([button, seed]) => { const before = seed.value, start = performance.now();
  button.click();
  while (seed.value === before) await new Promise(requestAnimationFrame);
  return performance.now() - start; }"""


def time_slider(page, runs: int) -> list[float]:
    """Click the kernel_size track at alternating places (press + release, as a short drag ends): 4, 6, 8,
    each a new kernel, so every output picture is a new one (a new out_channels may leave it as it was)."""
    slider = page.get_by_label("range slider for kernel_size").first   # Conv2d's (pooling's is hidden)
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    times = []
    for i in range(runs):
        old = output_src(page)
        x = box["x"] + box["width"] * (0.3 + 0.2 * (i % 3))   # away from the start (3 of 11): not on the thumb
        page.mouse.move(x, box["y"] + box["height"] / 2)
        page.evaluate(ARM_RELEASE)
        page.mouse.down()
        page.mouse.up()
        times.append(page.wait_for_function(SINCE_RELEASE, arg=old, timeout=30_000, polling="raf").json_value())
        page.wait_for_timeout(500)
    return times


def time_round_trip(page, runs: int) -> list[float]:
    """Gradio's own cost: Shuffle's first step adds one to the seed (queue=False), nothing else."""
    seed = page.get_by_label("Seed", exact=True).locator("visible=true").first
    button = page.get_by_role("button", name="Shuffle").locator("visible=true").first
    times = []
    for _ in range(runs):
        old = output_src(page)
        times.append(page.evaluate(SHUFFLE, [button.element_handle(), seed.element_handle()]))
        page.wait_for_function(DRAWN, arg=old, timeout=30_000)   # let the explorer's redraw finish,
        page.wait_for_timeout(500)                                # figures included: a quiet page each time
    return times


def browser_figures(url: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_role("tab", name="Layer explorer", exact=True).click()
        page.wait_for_function(DRAWN, arg="", timeout=120_000)
        settle(page)
        time_slider(page, 3)   # warm-up
        base, base_ms = summary("baseline: Gradio round trip in the page (Shuffle: seed + 1, no pictures)",
                                time_round_trip(page, runs))
        slide, slide_ms = summary("explorer in Chromium: kernel_size slider released -> new output picture "
                                  "drawn (goal median < 150 ms, p95 < 250 ms)", time_slider(page, runs))
        print(base)
        print(slide)
        print(f"ratio slider -> picture / round trip (medians): {slide_ms / base_ms:.1f}")
        browser.close()


def api_figures(url: str, args, pid: int | None) -> None:
    """The 8-user figure as programs run it by default, and as the README's example runs it (one TLS context:
    gradio_client otherwise builds one per HTTP request, most of the clients' CPU on these shared cores)."""
    print(api_rate(url, args.users, args.seconds, args.users, pid), flush=True)
    print(api_rate(url, args.users, args.seconds, args.users, pid, one_tls=True), flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--url", help="time an app already running there instead of starting one")
    args = p.parse_args()
    if args.url:
        browser_figures(args.url, args.runs)
        api_figures(args.url, args, None)
        return
    with app_with_data(args.archive) as (url, pid):
        browser_figures(url, args.runs)
        api_figures(url, args, pid)


if __name__ == "__main__":
    main()
