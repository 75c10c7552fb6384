"""A message that sends the learner to a tab names it as the tab itself is labelled, in both languages (issue 25:
two Chinese messages named tabs that do not exist, "层探索" and "保存与加载")."""
import re

import pytest

from nets.text import LOCALES, TRANSLATIONS

# Chinese: “X”页, “X”标签页, “X”和“Y”标签页, 打开“X”, 在“X”中打开, 来自“X”.
ZH_NAMED = re.compile(r"“([^”]+)”(?=(?:和“[^”]+”)*(?:标签)?页)|(?<=“)([^”]+)”(?:和“[^”]+”)+(?:标签)?页"
                      r"|(?:打开|在|来自)“([^”]+)”")
ZH_LISTED = re.compile(r"“([^”]+)”(?=和“[^”]+”(?:标签)?页)|和“([^”]+)”(?=(?:标签)?页)")
# English: "the Training tab", "Save & load tab", "The Layer explorer and Network tabs", "Open Save & load".
EN_NAMED = re.compile(r"(?!This )([A-Z][\w]*(?: (?:&|[a-z]+)){0,2}) tab\b|([A-Z]\w*(?: [a-z]+)?) and ([A-Z]\w*) tabs\b"
                      r"|Open (?:in )?(?:the )?([A-Z]\w*(?: (?:&|[a-z]+)){0,2}?)(?: tab)?$")


def tab_labels(locale: str) -> set[str]:
    return {value for key, value in TRANSLATIONS[locale].items() if key.endswith(".tab")}


def named_tabs(locale: str) -> dict[str, set[str]]:
    """Each message key and the tab names it quotes."""
    patterns = (ZH_NAMED, ZH_LISTED) if locale == "zh-CN" else (EN_NAMED,)
    found = {}
    for key, value in TRANSLATIONS[locale].items():
        names = {name for p in patterns for m in p.finditer(value) for name in m.groups() if name}
        if names:
            found[key] = names
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_tab_a_message_names_is_a_tab_label(locale):
    labels = tab_labels(locale)
    found = named_tabs(locale)
    wrong = {key: names - labels for key, names in found.items() if names - labels}
    assert not wrong, f"tab names that are no tab's label {sorted(labels)}: {wrong}"
    assert len(found) >= 10, "the patterns still find the messages that name tabs"


def test_the_two_names_the_learner_met_are_gone_and_their_messages_name_real_tabs():
    zh = TRANSLATIONS["zh-CN"]
    assert not [k for k, v in zh.items() if "“层探索”" in v or "保存与加载" in v]
    assert named_tabs("zh-CN")["train.done"] == {"逐层探索", "网络"}
    assert named_tabs("zh-CN")["lessons.open_saving"] == {"保存与读取"}
    assert named_tabs("en")["train.done"] == {"Layer explorer", "Network"}
