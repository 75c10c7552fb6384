"""Every sentence LayerLab shows, in English and Simplified Chinese: one table per part in assets/i18n/.

Plain Python (no torch, no gradio), so nets/ can word its messages, visual/ its chart titles and ui/ its page
from the same tables. A message with values is a template: text("weights.too_big", "zh-CN", name=..., ...).
"""
import json
import re
from pathlib import Path

TABLES = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LOCALES = ("en", "zh-CN")
DEFAULT = "en"


def load_tables() -> dict[str, dict[str, str]]:
    """Merge assets/i18n/*.json ({"en": {...}, "zh-CN": {...}}) into one dict per locale."""
    merged = {locale: {} for locale in LOCALES}
    for path in sorted(TABLES.glob("*.json")):
        for locale, table in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(locale, {}).update(table)
    return merged


TRANSLATIONS = load_tables()
# A space between two Chinese characters: a template's "{name} 必须…" filled with a Chinese name ("层"), or with one
# ending in full-width punctuation ("加载检查点（…）").
CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\u3001-\u303f\uff01-\uff0f\uff1a-\uff1f]) +(?=[\u4e00-\u9fff])")


def text(key: str, locale: str = DEFAULT, /, **params) -> str:
    """The sentence for key in locale ("en" or "zh-CN"), its {placeholders} filled from params.

    A param that is itself a Phrase (a reason inside a refusal) is worded in the same language."""
    if key not in TRANSLATIONS[DEFAULT]:
        raise KeyError(f"no English text for i18n key {key!r}: add it to assets/i18n/")
    template = TRANSLATIONS.get(locale, {}).get(key) or TRANSLATIONS[DEFAULT][key]
    params = {name: value.words(locale) if isinstance(value, Phrase) else value for name, value in params.items()}
    if not params:
        return template
    words = template.format(**params)
    return CJK_SPACE.sub("", words) if locale == "zh-CN" else words


def class_name(name: str, locale: str = DEFAULT) -> str:
    """A dataset class in locale: CIFAR-10's ten are translated, another dataset's names stay as they are."""
    return text(f"class.{name}", locale) if f"class.{name}" in TRANSLATIONS[DEFAULT] else name


class Phrase:
    """A sentence not yet worded: its key and values, written in any language later (by the page, the CLI)."""

    def __init__(self, key: str, /, **params):
        text(key, DEFAULT, **params)      # a missing key or value fails here, where the sentence is made
        self.key, self.params = key, params

    def words(self, locale: str = DEFAULT) -> str:
        return text(self.key, locale, **self.params)

    def __str__(self) -> str:
        return self.words()

    def __eq__(self, other) -> bool:
        return isinstance(other, Phrase) and (self.key, self.params) == (other.key, other.params)

    def __repr__(self) -> str:
        return f"Phrase({self.key!r}, **{self.params!r})"


class LearnerError(ValueError):
    """What LayerLab refuses and why, for the learner: str() is English (the CLI, logs); the page words
    .phrase in the visitor's language. Subclasses say where it came from (weights, a config, the data)."""

    def __init__(self, key: str, /, **params):
        self.phrase = Phrase(key, **params)
        super().__init__(self.phrase.words())


def locale_of(tag) -> str | None:
    """"zh", "zh-CN", "zh_Hans", "en-US", ... as one of LOCALES; None for a language LayerLab does not speak."""
    tag = str(tag or "").strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-CN"          # the only Chinese LayerLab has: better than English for a zh-TW reader too
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def preferred_locale(accept_language: str | None) -> str:
    """The first language of an Accept-Language header that LayerLab speaks ("zh-CN,zh;q=0.9" -> "zh-CN")."""
    for part in re.split(r"\s*,\s*", accept_language or ""):
        locale = locale_of(part.split(";")[0])
        if locale:
            return locale
    return DEFAULT
