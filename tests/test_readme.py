"""The README's API examples run, as printed, against the real app."""
import re

from tests.conftest import ROOT


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it from a program", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_an_explorer_and_a_training_example():
    examples = readme_examples()
    assert any('api_name="/explore"' in e for e in examples) and any('api_name="/train"' in e for e in examples)


def test_readme_examples_run_against_the_app(client, app_url, capsys):
    for example in readme_examples():
        exec(compile(example.replace("http://127.0.0.1:7860/", app_url), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "output (64, 16, 32, 32)" in printed and "test accuracy" in printed
