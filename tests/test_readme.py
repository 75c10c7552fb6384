"""The README's API examples run, as printed, against the real app."""
import re
import shlex
from collections import Counter
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it from a program", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_readme_has_an_explorer_and_a_training_example():
    examples = readme_examples()
    assert any('api_name="/explore"' in e for e in examples) and any('api_name="/train"' in e for e in examples)


def test_readme_examples_run_against_the_app(client, app_url, capsys):
    for example in readme_examples():
        exec(compile(example.replace("http://127.0.0.1:7860/", app_url), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "output (64, 16, 32, 32)" in printed and "test accuracy" in printed


def readme_commands() -> list[str]:
    """Every command the README shows: the lines of its bash blocks (continuations joined, comments cut)
    and the commands it quotes inline in the text."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)).replace("\\\n", " ")
    lines = [line.split("  #")[0].strip() for line in blocks.splitlines()]
    inline = re.findall(r"`((?:python|pip|torchrun) [^`]+)`", text)
    return [c for c in lines + inline if c and not c.startswith("#")]


def command_parts(command: str) -> list[list[str]]:
    """A shell line split at && into argument lists, environment assignments dropped."""
    parts = [shlex.split(part) for part in command.split("&&")]
    return [[a for a in words if not re.match(r"^[A-Z_][A-Z0-9_]*=", a)] for words in parts]


def requirements(path) -> list[Requirement]:
    """The requirements a -r file names, following its own -r lines."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found += requirements(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def check_installs(files: list[str]) -> None:
    """`pip install -r FILE` cannot run offline: check instead that this environment already holds a
    version of every requirement that pip would accept, so the command has nothing left to change."""
    for name in files:
        for req in requirements(ROOT / name):
            assert req.specifier.contains(version(req.name), prereleases=True), f"{name}: {req} vs {version(req.name)}"


def check_trainer(args: list[str]) -> None:
    """`python -m nets.train ARGS`: every flag is one the trainer's parser accepts (--help prints and exits 0)."""
    from nets.train.cli import parse_args
    if "--help" in args:
        with pytest.raises(SystemExit) as done:
            parse_args(args)
        assert done.value.code == 0
    else:
        parse_args(args)


def check_command(words: list[str]) -> str:
    """One README command checked as far as it can be without a network, GPUs or hours of training;
    its kind, for the count."""
    if words[:3] == ["pip", "install", "-r"]:
        check_installs(words[3:])
        return "pip install -r"
    if words[:2] == ["pip", "install"] and "--index-url" in words:   # PyTorch's CPU build, from its own index
        assert words[words.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
        pinned = {r.name: r.specifier for r in requirements(ROOT / "requirements.txt")}
        asked = [Requirement(w) for w in words[2:] if not w.startswith("--") and "://" not in w]
        # The same upper bounds as requirements.txt, so its `pip install -r` keeps the CPU build in place.
        assert {r.name for r in asked} == {"torch", "torchvision"}
        assert all(str(r.specifier) in str(pinned[r.name]) for r in asked)
        return "pip install --index-url"
    if words[:2] == ["pip", "install"]:
        assert all(version(name) for name in words[2:])
        return "pip install"
    if words[:3] == ["python", "-m", "nets.train"]:
        check_trainer(words[3:])
        return "python -m nets.train"
    if words[0] == "torchrun":
        from torch.distributed.run import get_args_parser
        launch = get_args_parser().parse_args(words[1:])
        assert launch.module and launch.training_script == "nets.train"
        check_trainer(launch.training_script_args)
        return "torchrun"
    if words[:2] == ["python", "app.py"]:
        from app import parse_args
        if "--help" in words:
            with pytest.raises(SystemExit) as done:
                parse_args(words[2:])
            assert done.value.code == 0
        else:
            parse_args(words[2:])    # and tests/conftest.py starts every test server with `python app.py`
        return "python app.py"
    if words[:5] == ["python", "-m", "pytest", "-q", "-m"]:   # a marker the project registers
        assert f'"{words[5]}:' in (ROOT / "pyproject.toml").read_text(), f"no pytest marker {words[5]!r}"
        return "environment"
    # The standard library's venv and its activation; pytest is what runs these tests.
    assert words in (["python", "-m", "venv", ".venv"], ["source", ".venv/bin/activate"],
                     ["python", "-m", "pytest", "-q"]), f"a README command this test does not know: {words}"
    return "environment"


def test_readme_commands_name_files_and_flags_that_exist():
    seen = Counter(check_command(words) for command in readme_commands() for words in command_parts(command))
    assert seen["pip install -r"] == 3 and seen["pip install"] == 1 and seen["pip install --index-url"] == 1 and seen["torchrun"] == 2 and seen["python -m nets.train"] >= 2
    assert seen["python app.py"] >= 2


def map_rows() -> dict[str, str]:
    """The README's map of the code: each row's path and the names its description gives in backticks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Map of the code", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.*) \|$", section, flags=re.MULTILINE)
    return {path: " ".join(re.findall(r"`([^`]+)`", words)) for path, words in rows}


def test_the_map_of_the_code_names_every_module():
    rows = map_rows()
    for folder in ("nets", "visual", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "__init__.py":
                continue
            module = path.relative_to(ROOT).as_posix()
            row = max((p for p in rows if module.startswith(p)), key=len)   # the deepest folder's row
            assert re.search(rf"\b{re.escape(path.stem)}\b", rows[row]), f"{module} is missing from {row}'s row"
