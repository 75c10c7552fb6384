"""A lesson script run in a fresh interpreter (`python -m nets.lessons.child MODULE`), importing only torch and
the script: the batch comes in on stdin (torch.save), what it printed goes out on stdout as JSON."""
import contextlib
import importlib
import io
import json
import sys
import traceback

import torch


def run_main(main, imgs, targets) -> tuple[bool, str]:
    """Run main(imgs, targets) on one thread with stdout captured: (finished, what it printed or the error)."""
    torch.set_num_threads(1)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main(imgs, targets)
        return True, out.getvalue()
    except Exception:
        return False, out.getvalue() + traceback.format_exc(limit=2)


if __name__ == "__main__":
    batch = torch.load(io.BytesIO(sys.stdin.buffer.read()), weights_only=True)
    ok, printed = run_main(importlib.import_module(sys.argv[1]).main, batch["imgs"], batch["targets"])
    sys.stdout.write(json.dumps({"ok": ok, "text": printed}))
