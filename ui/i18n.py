"""Every string a learner reads, looked up through Gradio's i18n: one table per tab in assets/i18n/."""
import json
from pathlib import Path

import gradio as gr

TABLES = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LOCALES = ("en", "zh-CN")


def load_tables() -> dict[str, dict[str, str]]:
    """Merge assets/i18n/*.json ({"en": {...}, "zh-CN": {...}}) into one dict per locale."""
    merged = {locale: {} for locale in LOCALES}
    for path in sorted(TABLES.glob("*.json")):
        for locale, table in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(locale, {}).update(table)
    return merged


TRANSLATIONS = load_tables()
TRANSLATIONS["zh"] = TRANSLATIONS["zh-CN"]   # browsers that only say "zh" get Simplified Chinese too
I18N = gr.I18n(**TRANSLATIONS)


def t(key: str):
    """The translatable text for key (translated in the browser; English is the fallback)."""
    if key not in TRANSLATIONS["en"]:
        raise KeyError(f"no English text for i18n key {key!r}: add it to assets/i18n/")
    return I18N(key)

