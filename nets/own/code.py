"""The lines that put the learner's own network into the tutorial's training loop, as they would write them."""
from pathlib import Path


def loop_code(maker, weights_file: str | None = None) -> str:
    """Replaces `model = nn.Sequential(...)` in the loop: their file imported, their class (or function) called."""
    folder = Path(maker.file).resolve().parent
    lines = ["import sys", "", f"sys.path.insert(0, {str(folder)!r})",
             f"from {maker.module_name} import {maker.name}", "", f"model = {maker.name}()"]
    return "\n".join(lines + weights_lines(weights_file)) + "\n"


def weights_lines(weights_file: str | None) -> list[str]:
    """--weights loaded as the learner would: safetensors' load_file, or torch.load without running code."""
    if not weights_file:
        return []
    if weights_file.endswith(".safetensors"):
        return ["from safetensors.torch import load_file", f"model.load_state_dict(load_file({weights_file!r}))"]
    return [f"model.load_state_dict(torch.load({weights_file!r}, weights_only=True))"]
