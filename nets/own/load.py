"""The learner's own network from their own file: `--model my_net.py[:Name]`, imported as their script would be.

Only the start-up flag reaches this (never a visitor): the file is the learner's code on their machine. Every
mistake is an OwnModelError whose sentence (assets/i18n/own.json) names what to change."""
import importlib.util
import inspect
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from torch import nn

from nets.text import LearnerError

class OwnModelError(LearnerError):
    """A --model or --weights the learner must change; the message says what."""

    def __init__(self, name: str, /, **params):
        super().__init__(f"own.err.{name}", **params)


@dataclass
class Maker:
    """How to build the learner's network: which file and name, and the call that builds a fresh one."""
    file: Path
    name: str                           # the class's or the function's name in the file
    make: Callable[[], nn.Module]       # a fresh module, weights drawn by the learner's own constructor
    module_name: str                    # the import name the file got (the training snippet imports it)


def split_target(target: str) -> tuple[Path, str | None]:
    """'my_net.py:Net' -> (Path('my_net.py'), 'Net'); a Windows drive's colon is not a separator."""
    path, sep, name = target.rpartition(":")
    if sep and name.isidentifier() and path and not path.endswith(("\\", "/")):
        return Path(path), name
    return Path(target), None


def run_file(file: Path):
    """Import file as `python file` would run it (its folder on sys.path), but without its __main__ block."""
    if not file.is_file():
        raise OwnModelError("no_file", file=str(file), where=str(Path.cwd()))
    if file.suffix != ".py":
        raise OwnModelError("not_python", file=str(file))
    folder, name = str(file.resolve().parent), file.stem if file.stem.isidentifier() else "learner_model"
    if folder not in sys.path:
        sys.path.insert(0, folder)     # their `from blocks import Block` finds the file beside it
    spec = importlib.util.spec_from_file_location(name, file.resolve())
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module          # pickling, dataclasses and their own imports see it as a module
    try:
        spec.loader.exec_module(module)
    except BaseException as e:   # noqa: BLE001 - anything their script raises (SystemExit included) is theirs
        sys.modules.pop(name, None)
        raise OwnModelError("import_failed", file=file.name, line=error_line(e, file), error=short(e)) from None
    return module


def error_line(e: BaseException, file: Path) -> int:
    """The line of the learner's file where e was raised (its last frame in that file), 0 if none."""
    lines = [f.lineno for f in traceback.extract_tb(e.__traceback__) if Path(f.filename).resolve() == file.resolve()]
    return lines[-1] if lines else getattr(e, "lineno", 0) or 0


def short(e: BaseException) -> str:
    """'TypeError: ...' cut to one readable line."""
    words = f"{type(e).__name__}: {e}".splitlines()[0]
    return words if len(words) <= 200 else words[:197] + "..."


def candidates(module) -> list[str]:
    """The nn.Module classes the file defines itself, less those another of them calls (a residual block)."""
    own = [n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, nn.Module)
           and v.__module__ == module.__name__]
    sources = {n: source_of(getattr(module, n)) for n in own}
    return [n for n in own if not any(re.search(rf"\b{n}\s*\(", sources[m]) for m in own if m != n)] or own


def source_of(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def pick_maker(module, file: Path, name: str | None) -> Maker:
    """The class or function the learner named, else the one network class the file defines."""
    found = candidates(module)
    if name is None:
        if not found:
            raise OwnModelError("no_module", file=file.name)
        if len(found) > 1:
            raise OwnModelError("several", file=file.name, names=", ".join(found), first=found[-1])
        name = found[0]
    obj = getattr(module, name, None)
    if obj is None:
        defined = ", ".join(found) or "—"
        raise OwnModelError("no_such_name", file=file.name, name=name, names=defined)
    if not callable(obj) or (inspect.isclass(obj) and not issubclass(obj, nn.Module)):
        raise OwnModelError("not_maker", file=file.name, name=name)
    check_arguments(obj, name, file)
    return Maker(file, name, lambda: construct(obj, name, file), module.__name__)


def check_arguments(obj, name: str, file: Path) -> None:
    """Refuse a constructor or function that cannot be called without arguments, naming them."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return
    needed = [p.name for p in signature.parameters.values() if p.default is p.empty
              and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if needed:
        raise OwnModelError("needs_args", file=file.name, name=name, args=", ".join(needed), first=needed[0])


def construct(obj, name: str, file: Path) -> nn.Module:
    """obj() as the learner's code builds it; anything else than an nn.Module is refused."""
    try:
        model = obj()
    except Exception as e:   # noqa: BLE001 - their constructor's own error
        raise OwnModelError("construct_failed", file=file.name, name=name, line=error_line(e, file),
                            error=short(e)) from None
    if not isinstance(model, nn.Module):
        raise OwnModelError("not_a_module", name=name, kind=type(model).__name__)
    return model


def load_maker(target: str) -> Maker:
    """--model's value as a Maker, or an OwnModelError saying what to change."""
    file, name = split_target(target)
    return pick_maker(run_file(file), file, name)
