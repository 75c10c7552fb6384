"""Issue 22 figures: the header's language switch in real Chromium, and Gradio's round trip on the page after it,
for several apps that take turns switch by switch (each sees the same load on a shared machine).

Timed in the page (performance.now(), from the click on 中文 or English): until the Data tab's status is drawn
again in that language (the relabelling and the first redraw), and until the browser sent the switch's last
redraw event (the chain of every tab's redraws; the page then sends nothing for 1.5 s). Then Gradio's do-nothing
round trip (Shuffle adds one to the seed, until the box shows it), which every component the page keeps as a
progress target slows.

    python benchmarks/language_switch.py [ARCHIVE] --app DIR[:WITHOUT] [DIR[:WITHOUT] ...] [--runs N]

DIR: a checkout of LayerLab (a git worktree of an older commit gives the before-figure); WITHOUT leaves out
progress hooks, to measure what they gain: `narrow` (each event's progress pointed at what shows it, where it is
defined), `page` (assets/progress.html in the page's head), or `narrow,page`.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.explorer_api import wait_for_data  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, add_archive_argument, free_port, settle  # noqa: E402
from nets.text import TRANSLATIONS  # noqa: E402

# Runs `python app.py` of checkout DIR, with the hooks WITHOUT names left out.
LAUNCH = """import os, sys
from pathlib import Path
root, port, archive, without = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
os.chdir(root)
sys.path.insert(0, root)
import app
if "narrow" in without:   # Gradio's default: each event's progress on all of its outputs
    for fn in app.demo.fns.values():
        fn.show_progress_on = None
if "page" in without:
    app.HEAD_PATHS[:] = [p for p in app.HEAD_PATHS if Path(p).name != "progress.html"]
app.main(["--port", port, "--data", archive])
"""

# Clicks the language named `name` in the header and resolves with ms until the Data tab's status starts with
# `ready` (its first words in that language) and is no longer `before`.
SWITCH = """async ([name, ready, readies]) => {
  const status = () => [...document.querySelectorAll('.prose')]
    .find(e => readies.some(r => e.textContent.trim().startsWith(r)));
  const before = status()?.textContent;
  const option = [...document.querySelectorAll('#language label')].find(l => l.textContent.trim() === name);
  window.__switchedAt = performance.now();
  option.click();
  while (!(status()?.textContent.trim().startsWith(ready) && status().textContent !== before)) {
    if (performance.now() - window.__switchedAt > 60000) return NaN;
    await new Promise(requestAnimationFrame);
  }
  return performance.now() - window.__switchedAt; }"""
SHUFFLE = """async ([button, seed]) => { const before = seed.value, start = performance.now();
  button.click();
  while (seed.value === before) await new Promise(requestAnimationFrame);
  return performance.now() - start; }"""
NAMES = {"zh-CN": "中文", "en": "English"}


def start(root: str, without: str, archive: str, cache: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, LAYERLAB_CACHE=cache, PYTHONUNBUFFERED="1")
    log = open(Path(cache) / f"app-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, root, str(port), archive, without], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{root} did not start: see {log.name}")
            time.sleep(0.5)
    wait_for_data(url)
    return proc, url


def switch(page, locale: str) -> tuple[float, float]:
    """(ms until the Data tab's status is in locale, ms until the switch's last redraw event was sent)."""
    sent = []
    watch = lambda r: sent.append(r) if "/queue/join" in r.url else None  # noqa: E731
    page.on("request", watch)
    readies = {loc: TRANSLATIONS[loc]["data.status_ready"].split("{")[0].replace("**", "").strip() for loc in NAMES}
    status_ms = page.evaluate(SWITCH, [NAMES[locale], readies[locale], list(readies.values())])
    settle(page, quiet_s=1.5)
    page.remove_listener("request", watch)
    clicked = page.evaluate("performance.timeOrigin + window.__switchedAt")   # ms since 1970, as request timing
    return status_ms, max(r.timing["startTime"] for r in sent) - clicked


def round_trip(page) -> float:
    seed = page.get_by_label(TRANSLATIONS["en"]["data.seed"], exact=True).locator("visible=true").first
    button = page.get_by_role("button", name=TRANSLATIONS["en"]["data.shuffle"]).locator("visible=true").first
    ms = page.evaluate(SHUFFLE, [button.element_handle(), seed.element_handle()])
    settle(page, quiet_s=1.0)
    return ms


def line(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{label} median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms"


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--app", nargs="+", required=True, help="DIR or DIR:narrow,page (hooks left out)")
    p.add_argument("--runs", type=int, default=6, help="switches to Chinese and back, per app")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright
    cache = os.environ.get("LAYERLAB_CACHE") or tempfile.mkdtemp(prefix="language-switch-")
    apps = [(a.split(":")[0], a.split(":")[1] if ":" in a else "") for a in args.app]
    procs, urls = zip(*(start(root, without, args.archive, cache) for root, without in apps))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = []
            for url in urls:
                page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
                page.goto(url)
                page.get_by_role("tab", name=TRANSLATIONS["en"]["data.tab"], exact=True).click()
                page.wait_for_function("() => document.querySelector('#data-gallery img')", timeout=120_000)
                settle(page)
                pages.append(page)
            figures = [{"zh status": [], "zh chain": [], "en status": [], "en chain": [], "trip": []} for _ in apps]
            for page in pages:   # warm-up: the first switch builds the server's caches
                switch(page, "zh-CN"), switch(page, "en")
            for _ in range(args.runs):
                for page, fig in zip(pages, figures):
                    for locale in ("zh-CN", "en"):
                        status_ms, chain_ms = switch(page, locale)
                        fig[f"{locale[:2]} status"].append(status_ms)
                        fig[f"{locale[:2]} chain"].append(chain_ms)
                    fig["trip"].append(round_trip(page))
                    print(f"  {page.url}: zh {fig['zh status'][-1]:.0f}/{fig['zh chain'][-1]:.0f} ms, "
                          f"en {fig['en status'][-1]:.0f}/{fig['en chain'][-1]:.0f} ms, trip {fig['trip'][-1]:.0f} ms",
                          flush=True)
            load = os.getloadavg()
            for (root, without), fig in zip(apps, figures):
                name = root + (f" without {without}" if without else "")
                print(f"{name}  (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {args.runs} switches each way)")
                print("  " + line("click -> Data status in Chinese:", fig["zh status"]) + " | " +
                      line("in English:", fig["en status"]))
                print("  " + line("click -> last redraw sent, Chinese:", fig["zh chain"]) + " | " +
                      line("English:", fig["en chain"]))
                print("  " + line("Gradio's round trip after switching (Shuffle):", fig["trip"]), flush=True)
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
