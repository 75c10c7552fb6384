"""Every budget a host may set, in one place: its default and why; from app.py's flag, else LAYERLAB_<NAME>.

Code reads the values as nets.limits.<constant> when it needs them (not copied at import), so the flags
that app.py applies after every module is imported reach every check."""
import argparse
import os
from dataclasses import dataclass

MB = 2**20
# Multiply-adds a 2-core CPU does in a second of network work (2x10^11 took about 3 s): CPU time is
# budgeted as the multiply-adds a request may spend, known from the network's shape before any is spent.
MACS_PER_CPU_SECOND = 66_000_000_000


@dataclass(frozen=True)
class Limit:
    """One budget: a whole number of `unit` named by an environment variable and the matching flag."""
    variable: str    # LAYERLAB_MAX_UPLOAD_MB; the flag is --max-upload-mb
    default: int
    unit: str        # what the number counts, for --help
    constant: str    # what code reads: the number times `scale` (bytes, seconds)
    scale: int
    why: str

    @property
    def flag(self) -> str:
        return "--" + self.variable.removeprefix("LAYERLAB_").lower().replace("_", "-")

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")


LIMITS = (
    Limit("LAYERLAB_MAX_UPLOAD_MB", 450, "MB", "MAX_UPLOAD_BYTES", MB,
          "Any uploaded file; Gradio refuses larger ones before storing them. The largest network the "
          "Builder allows (100M float32 values, 400 MB) fits, with room for a checkpoint's extras."),
    Limit("LAYERLAB_MAX_UNPACKED_MB", 450, "MB", "MAX_UNPACKED_BYTES", MB,
          "What a .pth zip unpacks to, per entry and in total, read from its directory before torch.load: "
          "torch.save never compresses, so an honest file unpacks to about its own size; a zip bomb "
          "does not."),
    Limit("LAYERLAB_MAX_ENTRIES", 10_000, "entries", "MAX_ENTRIES", 1,
          "Entries in a .pth zip (one per tensor, plus a few) or tensors in a .safetensors file; "
          "ResNet-152 has about 1,000."),
    Limit("LAYERLAB_MAX_PICKLE_MB", 16, "MB", "MAX_PICKLE_BYTES", MB,
          "The pickled part torch.load reads (names and shapes, about 200 bytes a tensor; a whole pre-1.6 "
          ".pth): unpickling even plain lists can take 30 times its size."),
    Limit("LAYERLAB_MAX_RUN_MINUTES", 15, "minutes", "MAX_RUN_S", 60,
          "One training run's wall time: at the limit it stops as after a Stop, keeping its weights. Runs go "
          "one at a time, so a waiting visitor starts within (runs ahead) x this."),
    Limit("LAYERLAB_MAX_TEMP_MB", 1024, "MB", "MAX_TEMP_BYTES", MB,
          "Each of LayerLab's folders of run checkpoints and of downloads, and Gradio's cache of uploads, oldest "
          "files deleted first: "
          "they only need to outlive one response, and the largest network's weights fit."),
    Limit("LAYERLAB_MAX_IMAGE_MEGAPIXELS", 40, "megapixels", "MAX_PIXELS", 1_000_000,
          "An uploaded picture's width x height, read from its header and refused before decoding; below it "
          "a picture is decoded as uint8 (3 bytes a pixel: 120 MB at the default) and block-averaged before "
          "any float copy."),
    Limit("LAYERLAB_MAX_REQUEST_CPU_SECONDS", 3, "seconds", "MAX_REQUEST_MACS", MACS_PER_CPU_SECOND,
          "CPU time one request may spend pushing test images through a network (scoring an uploaded "
          "model, the predictions gallery), counted in multiply-adds before any is spent: a big network "
          "is scored on fewer images."),
    Limit("LAYERLAB_MAX_SERVER_MEMORY_MB", 12_288, "MB", "MAX_SERVER_MEMORY_BYTES", MB,
          "The server's resident memory: work that allocates a lot (a training run, building or loading a "
          "big network, decoding a big picture) is refused when what the process holds plus its estimate "
          "would pass it. Half a 24 GB host; under a free Space's 16 GB with room for the system."),
    Limit("LAYERLAB_MAX_VISITOR_MB", 512, "MB", "MAX_VISITOR_BYTES", MB,
          "Weight snapshots of past epochs one visitor's run keeps for the Network tab (at most 8, and "
          "always the first and the newest): the tutorial CNN keeps 8, the largest network 2 (400 MB each)."),
    Limit("LAYERLAB_CLOSED_SESSION_SECONDS", 30, "seconds", "CLOSED_SESSION_S", 1,
          "How long a closed tab's per-visitor state (the trained model, the runs) is kept; Gradio alone "
          "keeps it an hour in case the tab reconnects, and a reload is a new session anyway."),
)


def whole_number(text: str, name: str) -> int:
    """text as a whole number above 0, or a ValueError that names the setting."""
    value = str(text).strip()
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"{name} must be a whole number above 0, not {value[:20]!r}.")
    return int(value)


def read_limit(limit: Limit, flags: argparse.Namespace | None) -> int:
    """One limit's constant: its flag if given, else its environment variable, else its default; times scale."""
    given = getattr(flags, limit.dest, None)
    number = given if given is not None else \
        whole_number(os.environ.get(limit.variable, str(limit.default)), limit.variable)
    return number * limit.scale


def settle(flags: argparse.Namespace | None = None) -> None:
    """Set every limit's constant here, each by its name (tests/test_limits.py checks that none is missed)."""
    global MAX_UPLOAD_BYTES, MAX_UNPACKED_BYTES, MAX_ENTRIES, MAX_PICKLE_BYTES, MAX_RUN_S, MAX_TEMP_BYTES
    global MAX_PIXELS, MAX_REQUEST_MACS, MAX_SERVER_MEMORY_BYTES, MAX_VISITOR_BYTES, CLOSED_SESSION_S
    value = {limit.constant: read_limit(limit, flags) for limit in LIMITS}
    MAX_UPLOAD_BYTES = value["MAX_UPLOAD_BYTES"]
    MAX_UNPACKED_BYTES = value["MAX_UNPACKED_BYTES"]
    MAX_ENTRIES = value["MAX_ENTRIES"]
    MAX_PICKLE_BYTES = value["MAX_PICKLE_BYTES"]
    MAX_RUN_S = value["MAX_RUN_S"]
    MAX_TEMP_BYTES = value["MAX_TEMP_BYTES"]
    MAX_PIXELS = value["MAX_PIXELS"]
    MAX_REQUEST_MACS = value["MAX_REQUEST_MACS"]
    MAX_SERVER_MEMORY_BYTES = value["MAX_SERVER_MEMORY_BYTES"]
    MAX_VISITOR_BYTES = value["MAX_VISITOR_BYTES"]
    CLOSED_SESSION_S = value["CLOSED_SESSION_S"]


def add_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per limit on parser; each wins over its environment variable."""
    group = parser.add_argument_group("limits for a shared server (a flag wins over its variable)")
    for limit in LIMITS:
        group.add_argument(limit.flag, type=flag_number(limit), metavar=limit.unit.upper(),
                           help=f"{limit.why} Default {limit.default:,} {limit.unit}; "
                                f"also ${limit.variable}.")


def flag_number(limit: Limit):
    """argparse's type for a limit's flag: a refusal argparse prints as a usage error."""
    def parse(text: str) -> int:
        try:
            return whole_number(text, limit.flag)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


settle()   # the environment's values on import; `python app.py` settles again with its flags
