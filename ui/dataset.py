"""The one dataset all visitors read (read-only), and the check every tab makes before using it."""
import gradio as gr

from nets.data.cifar import Cifar10
from nets.data.fetch import DatasetLoader

LOADER = DatasetLoader()


def configure(path=None, root="./data", cache_dir=None) -> None:
    """Point the loader at --data PATH (or the download folder) and start it in the background."""
    global LOADER
    LOADER = DatasetLoader(path, root, cache_dir)
    LOADER.start()


def require_data() -> Cifar10:
    """The dataset, or a clear gr.Error saying why it is not there yet."""
    if LOADER.status.state == "idle":
        LOADER.start()  # covers an app launched without main(); after a failure only Retry restarts
    if LOADER.data is not None:
        return LOADER.data
    status = LOADER.status
    if status.state == "failed":
        raise gr.Error(f"CIFAR-10 is not available: {status.message}", print_exception=False)
    raise gr.Error(f"CIFAR-10 is still loading ({status.message}). Try again in a few seconds.",
                   print_exception=False)
