"""The one dataset all visitors read (read-only), and the check every tab makes before using it."""
from nets.data.cifar import Cifar10
from nets.data.fetch import DatasetLoader
from ui.common.validate import refuse

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
        raise refuse("data.not_available", reason=status.message)
    raise refuse("data.still_loading", reason=status.message)
