"""One term for one thing in each language: the string tables are scanned for the inconsistencies a bilingual
teacher found (issue 23), and the Chinese a template makes is checked with Chinese values filled in."""
import re
import string

import pytest

from nets.text import TRANSLATIONS, text

CJK = "[\u4e00-\u9fff]"
# Chinese: the variant LayerLab does not use -> the one it does (counted over the tables when chosen).
NOT_USED = {
    "保存与加载": "保存与读取",            # the Save & load tab, as its own title says
    "批次": "批量",                       # a batch (批量大小 = batch size)
    "图片": "图像",                       # an image (109 uses against 28)
    "每行一行": "每行写卷积核的一行数字",   # "one row per line", said twice
    "“弯曲”": "引入非线性",                # a calque of "bends the output"
    "隐藏的 `Linear": "作为隐藏层的线性层",  # 隐藏的 reads as "concealed"
}


def chinese_values():
    return TRANSLATIONS["zh-CN"].items()


@pytest.mark.parametrize("variant", NOT_USED)
def test_chinese_uses_one_term_for_each_thing(variant):
    found = [key for key, value in chinese_values() if variant in value]
    assert not found, f"{variant!r} in {found}: LayerLab writes {NOT_USED[variant]!r}"


def test_an_english_term_beside_its_translation_is_bracketed():
    """训练轮次（epoch）, not 训练轮次 epoch glued on (每个 epoch, the word alone, is fine)."""
    found = {key: value for key, value in chinese_values() if re.search(r"训练轮次 ?epoch", value)}
    assert not found


def test_no_space_between_two_chinese_characters():
    assert not {key for key, value in chinese_values() if re.search(rf"{CJK} +{CJK}", value)}


def test_a_template_filled_with_a_chinese_name_has_no_stray_space():
    """"{name} 必须是以下之一" with name "层" reads 层必须是以下之一; with kernel_size the space stays."""
    for key, template in chinese_values():
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        if "name" not in names or re.search(r"\{name[^}]*\}[^ ]", template):
            continue
        values = {n: 1 for n in names}
        try:
            worded = text(key, "zh-CN", **{**values, "name": "层"})
        except (ValueError, KeyError, TypeError, IndexError):
            continue   # a template whose other values are not numbers: not about the name
        assert not re.search(rf"{CJK} +{CJK}", worded), (key, worded)
    assert text("validate.choice", "zh-CN", name="层", choices="a", value="b").startswith("层必须")
    assert text("validate.choice", "zh-CN", name="kernel_size", choices="a", value="b").startswith("kernel_size 必须")


def test_the_english_page_has_no_chinese():
    assert not {key for key, value in TRANSLATIONS["en"].items() if re.search(CJK, value)}
