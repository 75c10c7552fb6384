"""Every text a learner reads exists in English and in Simplified Chinese."""
import json
import re

import pytest

from tests.conftest import ROOT
from nets.text import TABLES, TRANSLATIONS


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


# Chinese text uses full-width punctuation next to Chinese characters (，：；（）！？); code spans,
# {placeholders} and addresses keep their ASCII.
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\{[^{}]*\}|https?://\S+", re.S)
ASCII_BY_CHINESE = re.compile(rf"(?<={CJK})\s*[,:;()!?]|[,:;()!?]\s*(?={CJK})")


@pytest.mark.parametrize("table", sorted(p.name for p in TABLES.glob("*.json")))
def test_chinese_text_uses_full_width_punctuation(table):
    chinese = json.loads((TABLES / table).read_text(encoding="utf-8"))["zh-CN"]
    wrong = {key: ASCII_BY_CHINESE.findall(NOT_PROSE.sub(" ", value)) for key, value in chinese.items()}
    assert not {key: marks for key, marks in wrong.items() if marks}


def test_chinese_uses_the_standard_terms():
    chinese = " ".join(TRANSLATIONS["zh-CN"].values())
    for term in ("卷积层", "池化层", "激活函数", "全连接层（线性层）", "损失函数", "反向传播", "优化器", "批量大小",
                 "训练轮次", "学习率"):
        assert term in chinese, term
