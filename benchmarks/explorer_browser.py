"""Issues 12 and 28 figures: the Layer explorer in real Chromium, dragged as a hand drags the kernel_size slider
(release -> final picture, the first drag after opening the tab, pictures shown a second while dragging; and
drags each over a new batch, so that none of their pictures was drawn before), the slider only clicked and
released (release -> new output picture drawn), beside Gradio's do-nothing round trip in the same page (the
explorer's Shuffle: a handler that only adds one to the seed), and 8 gradio_client users on /explore at once
(updates/s in all, the users in separate processes, as programs run by default and reusing one TLS context as the
README's example does; benchmarks/explorer_api.py also times them as threads of one process).

    python benchmarks/explorer_browser.py [ARCHIVE] [--runs N] [--drags N] [--first N] [--users 8] [--seconds 20]
    [--no-api] [--phone] [--url URL [URL ...]]    (ARCHIVE defaults to $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz)

Goals from the issues: release -> picture median < 150 ms, p95 < 250 ms on two idle cores, for drags too; while
dragging a new picture at least 8 times a second; the first drag no slower than the others; 8 users >= 12
updates/s. On a shared
machine the ratio to the round trip is the comparable figure. Finds the output picture both as the old
gr.Image (labelled "Output batch") and as the inline #explorer-output, so one script gives before and after.
"""
import argparse
import os
import statistics
import sys
import time
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
    """Click the kernel_size track at alternating places (press + release, as a short drag ends): 6, 8, 10,
    each a new kernel and none where a drag leaves the thumb (3 or 4), so every output picture is a new one."""
    box = slider_box(page)
    times = []
    for i in range(runs):
        old = output_src(page)
        page.mouse.move(slider_x(box, 6 + 2 * (i % 3)), box["y"] + box["height"] / 2)
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


# A hand's drag of Conv2d's kernel_size slider: the values its pointer passes, in order (each a new picture),
# and how long each stretch between two of them takes, for three speeds (a flick, a move, a careful look).
# Two paths, each ending where the other starts, so a drag starts on the thumb and ends on a value it left.
DRAG_PATHS = ((3, 5, 3, 7, 5, 4), (4, 6, 4, 8, 6, 3))
SPEEDS = {"fast (80 ms a stretch)": 0.08, "human (250 ms a stretch)": 0.25, "slow (600 ms a stretch)": 0.6}
POINTER_HZ = 60   # a mouse reports about 60 positions a second
# Records, in the page, every output picture shown (the first animation frame that finds it decoded) with its
# time and the output shape the status names then (each kernel_size of a path gives another), and the drag's
# press and release, all on the page's clock (performance.now()).
STATUS_SHAPE = """() => { const status = [...document.querySelectorAll('.prose')]
  .find((e) => e.textContent.includes('→ output (')); return status?.textContent.match(/→ output \\(([^)]*)\\)/)?.[1]; }"""
RECORD_DRAG = f"""() => {{
  const rec = window.__drag = {{down: null, up: null, shown: [], srcs: [], shapes: [], taken: 0}};
  document.addEventListener('pointerdown', (e) => {{ rec.down = e.timeStamp; }}, {{once: true, capture: true}});
  document.addEventListener('pointerup', (e) => {{ rec.up = e.timeStamp; }}, {{once: true, capture: true}});
  const slider = document.querySelector('input[type=range][aria-label="range slider for kernel_size"]');
  let value = slider.value;   // each value the slider takes while held
  slider.addEventListener('input', () => {{
    if (rec.down !== null && rec.up === null && slider.value !== value) rec.taken++;
    value = slider.value; }});
  let last = ({OUTPUT_IMG})()?.src;
  const tick = () => {{
    if (rec.stop) return;
    const img = ({OUTPUT_IMG})();
    if (img && img.src !== last && img.complete && img.naturalWidth > 0) {{
      last = img.src; rec.shown.push(performance.now()); rec.srcs.push(img.src); rec.shapes.push(({STATUS_SHAPE})());
    }}
    requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
}}"""
# The drag's figures once the page is quiet: release -> the final picture (0 when it was shown before the
# release), release -> the first picture of the value released on (a JPEG shown while held counts; the same
# as the final picture where each update is the final one), pictures shown a second between press and
# release beside the values the slider took a second while held (the most it could show: at a human pace a path
# passes 11 or 13 values in 1.25 s, a busy page takes fewer from the pointer, and the last one's picture comes
# after the release; a preview made exact is one value's picture), and the longest wait for one while dragging.
DRAG_RESULT = """() => { const rec = window.__drag; rec.stop = true;
  const during = rec.shown.filter((t, i) => t > rec.down && t <= rec.up
    && (i === 0 || rec.shapes[i] !== rec.shapes[i - 1]));   // a preview made exact: the same value's picture
  const final = rec.srcs.length - 1;
  const marks = [rec.down, ...during, rec.up];
  let first = final;
  while (first > 0 && rec.shapes[first - 1] === rec.shapes[final]) first--;
  return {release: final < 0 ? null : Math.max(0, rec.shown[final] - rec.up),
          value: final < 0 ? null : Math.max(0, rec.shown[first] - rec.up),
          rate: 1000 * during.length / (rec.up - rec.down), taken: 1000 * rec.taken / (rec.up - rec.down),
          gap: Math.max(...marks.slice(1).map((t, i) => t - marks[i])), pictures: rec.srcs.length}; }"""


def slider_x(box: dict, value: int, low: int = 1, high: int = 11) -> float:
    """Where on the slider's track the pointer sits for `value` (the thumb's centre travels the track less a
    thumb's width, about 16 px)."""
    thumb = 16
    return box["x"] + thumb / 2 + (box["width"] - thumb) * (value - low) / (high - low)


def drag(page, box: dict, path: tuple, stretch_s: float) -> dict:
    """Press on the thumb at path[0], move through the path at a hand's pace (POINTER_HZ), release, and wait
    until the last picture shown is the released value's, lossless (a JPEG is the preview shown while the
    slider is held), and no other has come for 1.5 s; the drag's figures (DRAG_RESULT)."""
    y = box["y"] + box["height"] / 2
    page.evaluate(RECORD_DRAG)
    page.mouse.move(slider_x(box, path[0]), y)
    page.mouse.down()
    pressed = time.monotonic()
    for k, (a, b) in enumerate(zip(path, path[1:])):
        # The hand keeps its own clock: each stretch starts when the hand would start it, however long the page
        # took to take the last move (Playwright waits for the page; a mouse does not). A late stretch starts
        # part way along, as a busy page sees a real pointer: it skips the values passed meanwhile.
        start, x0, x1 = pressed + k * stretch_s, slider_x(box, a), slider_x(box, b)
        while (f := min(1.0, (time.monotonic() - start) / stretch_s)) < 1.0:
            page.mouse.move(x0 + (x1 - x0) * f, y)
            time.sleep(max(0.0, 1 / POINTER_HZ - (time.monotonic() - start) % (1 / POINTER_HZ)))
        page.mouse.move(x1, y)
    page.mouse.up()
    side = 35 - path[-1]   # Conv2d's default padding 1, stride 1 on 32 x 32
    done = f"""() => {{ const rec = window.__drag, n = rec.shown.length - 1;
      return n >= 0 && rec.shapes[n] === '64, 6, {side}, {side}' && !rec.srcs[n].startsWith('data:image/jpeg')
        && performance.now() - Math.max(rec.up, rec.shown[n]) > 1500; }}"""
    page.wait_for_function(done, timeout=60_000, polling=100)
    value = page.get_by_label("number input for kernel_size").first.input_value()
    if int(value) != path[-1]:
        raise SystemExit(f"the drag ended on kernel_size {value}, not {path[-1]}: slider_x misses the track")
    return page.evaluate(DRAG_RESULT)


def slider_box(page) -> dict:
    """The kernel_size slider's track on the page (Conv2d's; pooling's is hidden)."""
    slider = page.get_by_label("range slider for kernel_size").first
    slider.scroll_into_view_if_needed()
    return slider.bounding_box()


def drag_line(label: str, drags: list[dict]) -> str:
    rates, gaps = [d["rate"] for d in drags], [d["gap"] for d in drags]
    taken = [d["taken"] for d in drags]   # values the slider took a second: the most pictures a drag could show
    return (summary(f"{label}: release -> final picture", [d["release"] for d in drags])[0] +
            "; " + summary("its value's first picture", [d["value"] for d in drags])[0] +
            f"; pictures while dragging {statistics.median(rates):.1f}/s (lowest {min(rates):.1f}) of "
            f"{statistics.median(taken):.1f} values/s the slider took, longest wait for one "
            f"{statistics.median(gaps):.0f} ms median, {max(gaps):.0f} max")


DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}   # the window, CSS px


def open_explorer(browser, url: str, viewport: dict):
    """A new visitor's page on the Layer explorer, its first picture drawn and the page quiet."""
    page = browser.new_page(locale="en-US", viewport=viewport)
    if viewport["width"] <= 640:   # the tab's button is in the tab bar's overflow menu: the app's link to the tab
        page.goto(url + "?tab=explorer")
    else:
        page.goto(url)
        page.get_by_role("tab", name="Layer explorer", exact=True).click()
    page.wait_for_function(DRAWN, arg="", timeout=120_000)
    settle(page)
    return page


def new_batch(page) -> None:
    """Shuffle: a new batch drawn and the page quiet again; none of the pictures a drag then shows was drawn
    before (the drags over the same values otherwise find their exact pictures encoded)."""
    old = output_src(page)
    page.get_by_role("button", name="Shuffle").locator("visible=true").first.click()
    page.wait_for_function(DRAWN, arg=old, timeout=30_000)
    page.wait_for_timeout(1200)   # the figures too


def first_drag(browser, url: str, viewport: dict, stretch_s: float) -> dict:
    """The first drag of a visitor on a page just opened (the slider at its default, 3)."""
    page = open_explorer(browser, url, viewport)
    result = drag(page, slider_box(page), DRAG_PATHS[0], stretch_s)
    page.close()
    return result


def browser_figures(urls: list[str], runs: int, drags: int, first: int, viewport: dict) -> None:
    """Every figure for each app in `urls`; with several, the apps take turns drag by drag, so that each sees
    the same load on a shared machine (compare them side by side)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        human = SPEEDS["human (250 ms a stretch)"]
        firsts = {url: [] for url in urls}
        for _ in range(first):
            for url in urls:
                firsts[url].append(first_drag(browser, url, viewport, human))
        pages = {url: open_explorer(browser, url, viewport) for url in urls}
        boxes = {url: slider_box(page) for url, page in pages.items()}
        done = 0   # drags so far on each page: the path alternates, the slider starts each on its last end
        for url, page in pages.items():   # warm-up
            drag(page, boxes[url], DRAG_PATHS[0], human), drag(page, boxes[url], DRAG_PATHS[1], human)
        for label, stretch_s in SPEEDS.items():
            results = {url: [] for url in urls}
            for _ in range(drags):
                for url, page in pages.items():
                    results[url].append(drag(page, boxes[url], DRAG_PATHS[done % 2], stretch_s))
                done += 1
            for url in urls:
                print(f"{url}  load {os.getloadavg()[0]:.2f}  " + drag_line(f"drag, {label}", results[url]),
                      flush=True)
        for label in list(SPEEDS)[:2]:   # the fast and human paces, each drag on a new batch
            results = {url: [] for url in urls}
            for _ in range(drags):
                for url, page in pages.items():
                    new_batch(page)
                    results[url].append(drag(page, slider_box(page), DRAG_PATHS[done % 2], SPEEDS[label]))
                done += 1
            for url in urls:
                print(f"{url}  load {os.getloadavg()[0]:.2f}  " +
                      drag_line(f"drag on a new batch, {label}", results[url]), flush=True)
        for url in urls if first else ():
            print(f"{url}  load {os.getloadavg()[0]:.2f}  " +
                  drag_line("first drag after opening the tab, human pace", firsts[url]), flush=True)
        for url, page in pages.items():
            base, base_ms = summary("baseline: Gradio round trip in the page (Shuffle: seed + 1, no pictures)",
                                    time_round_trip(page, runs))
            slide, slide_ms = summary("explorer in Chromium: kernel_size slider released -> new output picture "
                                      "drawn (goal median < 150 ms, p95 < 250 ms)", time_slider(page, runs))
            print(f"{url}  load {os.getloadavg()[0]:.2f}  {base}")
            print(f"{url}  load {os.getloadavg()[0]:.2f}  {slide}")
            print(f"{url}  ratio slider -> picture / round trip (medians): {slide_ms / base_ms:.1f}", flush=True)
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
    p.add_argument("--drags", type=int, default=8, help="drags at each speed")
    p.add_argument("--first", type=int, default=3, help="first drags, each on a page just opened")
    p.add_argument("--no-api", action="store_true", help="leave out the 8-user /explore figures")
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--phone", action="store_true", help="a phone's window (390 x 844) instead of 1280 x 900")
    p.add_argument("--url", nargs="+", help="time apps already running there instead of starting one; with "
                                            "several, side by side (the API figures for the first)")
    args = p.parse_args()
    viewport = PHONE if args.phone else DESKTOP
    if args.url:
        browser_figures(args.url, args.runs, args.drags, args.first, viewport)
        if not args.no_api:
            api_figures(args.url[0], args, None)
        return
    with app_with_data(args.archive) as (url, pid):
        browser_figures([url], args.runs, args.drags, args.first, viewport)
        if not args.no_api:
            api_figures(url, args, pid)


if __name__ == "__main__":
    main()
