"""Issue 10 figure: English sentences a Chinese visitor reads, per tab and in all, after one action on each tab.

    python benchmarks/english_on_page.py [ARCHIVE] [--url URL] [--list]
    (ARCHIVE defaults to $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz; --url uses a running app)

Walks the tabs exactly as tests/test_language_walk.py does (its docstring defines an English sentence) in a
zh-CN Chromium page; Gradio's own widget words ("Drop File Here", ...) are counted apart. Goal: 0 sentences.
"""
import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.explorer_api import wait_for_data  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, add_archive_argument, start_app, stop_app  # noqa: E402
from tests.test_language_walk import walk


def measure(url: str, folder: Path) -> dict:
    from playwright.sync_api import sync_playwright
    wait_for_data(url)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            return walk(context.new_page(), url, folder)
        finally:
            browser.close()


def print_figures(found: dict, listed: bool) -> None:
    for tab, (sentences, words) in found.items():
        print(f"{tab:9} {len(sentences):4} English sentences, {len(words):3} Gradio widget words")
        for sentence, times in Counter(sentences).items() if listed else ():
            print(f"            {sentence}" + (f"  (x{times})" if times > 1 else ""))
        if listed and words:
            print(f"            Gradio: {sorted(set(words))}")
    total = sum(len(s) for s, _ in found.values()), sum(len(w) for _, w in found.values())
    print(f"{'total':9} {total[0]:4} English sentences, {total[1]:3} Gradio widget words (zh-CN page, goal 0)")


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--url", help="measure an app already running here instead of starting one")
    p.add_argument("--list", action="store_true", help="print each sentence under its tab")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.url:
            found = measure(args.url, Path(folder))
        else:
            env = dict(os.environ, LAYERLAB_CACHE=folder, LAYERLAB_TEST_LOG=str(Path(folder) / "app.log"))
            proc, url = start_app(["--data", args.archive], env)
            try:
                found = measure(url, Path(folder))
            finally:
                stop_app(proc)
    print_figures(found, args.list)


if __name__ == "__main__":
    main()
