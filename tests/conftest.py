"""Shared fixtures: the real CIFAR-10 archive, the decoded dataset, and the real app server."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "LAYERLAB_TEST_DATA"
# A training run of a few seconds through the API, for tests that need one to start and end.
# Whether a code box on screen shows a text. CodeMirror draws only the lines near the window (a long listing's end
# is not in the page until it is scrolled to), so each poll brings the box's end into view, as a learner scrolls.
CODE_SHOWS = """text => [...document.querySelectorAll('.cm-content')].some(e => {
  if (!e.offsetParent) return false;
  if (!e.textContent.includes(text)) e.closest('.cm-editor').scrollIntoView({block: 'end'});
  return e.textContent.includes(text); })"""
TINY_TRAINING = dict(optimizer="adam", epochs=1, batch_size=64, train_images=1000, test_images=500, max_steps=3)


def add_archive_argument(parser) -> None:
    """The benchmarks' ARCHIVE argument: $LAYERLAB_TEST_DATA, else the shared copy beside the checkout."""
    parser.add_argument("archive", nargs="?", default=os.environ.get(
        DATA_ENV, str(ROOT.parent / "shared" / "data" / "cifar10-jpeg.tar.gz")))


@pytest.fixture(scope="session")
def cifar_archive() -> Path:
    """The shared CIFAR-10 JPEG archive; a missing one fails loudly instead of skipping tests."""
    value = os.environ.get(DATA_ENV)
    if not value or not Path(value).is_file():
        pytest.fail(f"{DATA_ENV} must name the CIFAR-10 archive (e.g. ../shared/data/cifar10-jpeg.tar.gz); "
                    f"got {value!r}. Run the tests with the README's test command.", pytrace=False)
    return Path(value).resolve()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One decoded-tensor cache for the whole test session, outside the checkout."""
    return tmp_path_factory.mktemp("layerlab-cache")


@pytest.fixture(scope="session")
def cifar(cifar_archive, cache_dir):
    """The real dataset, decoded once per test session."""
    from nets.data.cifar import load_cifar10
    return load_cifar10(cifar_archive, cache_dir)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(args: list[str], env: dict, timeout: float = 90) -> tuple[subprocess.Popen, str]:
    """Start `python app.py ARGS` on a free port and wait until it answers HTTP."""
    port = free_port()
    log = open(env["LAYERLAB_TEST_LOG"], "w")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}: {Path(env['LAYERLAB_TEST_LOG']).read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"app did not answer within {timeout} s")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_log(tmp_path_factory) -> Path:
    """Where the session's app server writes its console output."""
    return tmp_path_factory.mktemp("app") / "app.log"


@pytest.fixture(scope="session")
def app_url(cifar, cifar_archive, cache_dir, app_log):
    """The real app (`python app.py --data ARCHIVE`), its dataset already cached by the cifar fixture."""
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(app_log), PYTHONUNBUFFERED="1")
    proc, url = start_app(["--data", str(cifar_archive)], env)
    yield url
    stop_app(proc)


@pytest.fixture(scope="session")
def client(app_url):
    """A gradio_client connected to the running app, after the dataset has loaded."""
    from gradio_client import Client
    c = Client(app_url, verbose=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            c.predict("test", "all", 1, 0, api_name="/browse_data")
            return c
        except Exception:
            time.sleep(0.5)
    raise RuntimeError("the app's dataset did not become ready within 60 s")


# The browser fixtures live here so that every browser test module shares one Chromium
# (Playwright's sync API allows one instance per thread).
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google, which this machine refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def settle(page, quiet_s: float = 2.0, timeout_s: float = 120) -> None:
    """Wait until the page has sent no request to Gradio for quiet_s: the chain that runs after a page load
    (the language, then every tab's redraw) would otherwise be timed with the first updates."""
    last = [time.monotonic()]
    page.on("request", lambda r: last.__setitem__(0, time.monotonic()) if "/gradio_api/" in r.url else None)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() - last[0] < quiet_s and time.monotonic() < deadline:
        page.wait_for_timeout(250)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
                    ".ci/run does this.", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where tab screenshots go: $LAYERLAB_SCREENSHOTS, else a temporary folder."""
    folder = Path(os.environ.get("LAYERLAB_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, client, app_url):
    """A fresh page on the running app (client makes sure the dataset is loaded), recording errors."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.get_by_role("tab", name="Data").wait_for()
    settle(page)   # the start-up chain (language, lesson, redraws) done: a test acts on a page at rest
    yield page
    context.close()
