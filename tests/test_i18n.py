"""Every text a learner reads exists in English and in Simplified Chinese."""
import re

from tests.conftest import ROOT
from nets.text import TRANSLATIONS


def test_every_english_text_has_a_chinese_one():
    missing = sorted(set(TRANSLATIONS["en"]) - set(TRANSLATIONS["zh-CN"]))
    assert not missing, f"no Chinese text for {missing}"
    assert all(TRANSLATIONS["zh-CN"][k].strip() for k in TRANSLATIONS["en"])


def test_every_key_the_ui_asks_for_exists():
    used = {key for path in [ROOT / "app.py", *(ROOT / "ui").glob("*.py")]
            for key in re.findall(r'\bt\("([\w.]+)"\)', path.read_text(encoding="utf-8"))}
    assert len(used) > 50
    assert not sorted(used - set(TRANSLATIONS["en"]))


def test_teaching_text_uses_the_tutorials_terms():
    chinese = " ".join(TRANSLATIONS["zh-CN"].values())
    for term in ("卷积", "池化", "非线性激活", "线性层", "损失函数", "反向传播", "优化器"):
        assert term in chinese, term
