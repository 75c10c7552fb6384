"""The GPU lesson as the page runs it, on a machine with a GPU (benchmarks/gpu_check.sh calls it):
    python benchmarks/lesson_gpu.py [ARCHIVE]

With gradio there: starts `python app.py --data ARCHIVE` and calls /lesson_run gpu through gradio_client. The
page called torch.cuda.is_available() while it was built, the call that made a forked child fail with "Cannot
re-initialize CUDA in forked subprocess". Without gradio: the same in plain Python (the page's call, then the
server's runner). Prints what the lesson printed; exits 1 when a GPU is there and the lesson did not use it.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402


def through_the_app(archive: str) -> str:
    from gradio_client import Client
    log = Path(tempfile.mkdtemp()) / "app.log"
    proc, url = start_app(["--data", archive], dict(os.environ, LAYERLAB_TEST_LOG=str(log)), timeout=300)
    try:
        client = Client(url, verbose=False)
        deadline = time.monotonic() + 300
        while True:   # the dataset loads in the background after the page answers
            try:
                return client.predict("gpu", api_name="/lesson_run")
            except Exception as e:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"/lesson_run gpu failed: {e}\n{log.read_text()[-3000:]}") from e
                time.sleep(2)
    finally:
        stop_app(proc)


def in_plain_python(archive: str) -> str:
    torch.cuda.is_available()   # as ui/training/tab.py does while the page is built
    from nets.data.cifar import load_cifar10
    from nets.lessons.runner import run_lesson
    return run_lesson("gpu", load_cifar10(archive))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(parser)
    archive = parser.parse_args().archive
    try:
        import gradio  # noqa: F401
        how, run = "/lesson_run gpu on the running app", through_the_app
    except ImportError:
        how, run = "run_lesson('gpu') after torch.cuda.is_available(), no gradio here", in_plain_python
    start = time.perf_counter()
    printed = run(archive)
    seconds = time.perf_counter() - start
    device = printed.splitlines()[0]
    print(printed.rstrip())
    available = torch.cuda.is_available()
    print(f"{how}: the lesson used {device} (a GPU here: {available}), {seconds:.1f} s")
    if available and device != "cuda":
        sys.exit(1)


if __name__ == "__main__":
    main()
