"""The page's language: text marked while the page is built, the language of each request, the header switch.

The server writes every word in the visitor's language (nets/text.py holds the tables), so one switch changes
the whole page at once, tabs not yet opened included, and API callers get their messages in the language of
their Accept-Language header. Gradio's own browser-side i18n is not used: it follows the browser, not the
visitor's choice, and it translated only the tabs already opened.
"""
import json
import re

import gradio as gr

from nets.text import DEFAULT, LOCALES, TRANSLATIONS, locale_of, preferred_locale, text
from ui.common.gradio_hooks import HIDDEN_PROGRESS, Marked, marked_properties, request_in_hand, set_property
from ui.common.sessions import SESSIONS

__all__ = ["LOCALES", "TRANSLATIONS", "t", "say", "current_locale", "Page"]

MARKER = re.compile(r'__i18n__(\{"__type__": "translation_metadata", "key": "[^"]+"\})')
NAMES = (("English", "en"), ("中文", "zh-CN"))   # each language named in itself

# assets/language.html, in the page's <head>, defines window.layerlabLanguage: the visitor's language is a ?lang=
# link, else their last choice, else the browser's. (Gradio adds the head after it has chosen the language of its
# own widget words, "Drop File Here": those follow the browser.)
INITIAL_LANGUAGE = "() => [window.layerlabLanguage()]"
# Runs in the browser when the visitor picks a language: remembered, and the address bar links to it.
REMEMBER_LANGUAGE = """(locale, ...chosen) => {
  localStorage.setItem("layerlab-lang", locale);
  const url = new URL(location.href);
  url.searchParams.set("lang", locale === "zh-CN" ? "zh" : "en");
  history.replaceState(null, "", url);
  document.documentElement.lang = locale;
  return [locale, ...chosen];
}"""


def t(key: str) -> Marked:
    """Text for a component built now; Page.localize writes it in English, Page.updates in any language."""
    if key not in TRANSLATIONS[DEFAULT]:
        raise KeyError(f"no English text for i18n key {key!r}: add it to assets/i18n/")
    return Marked(key)


def current_locale(request: gr.Request | None = None) -> str:
    """The language of the request being handled: the visitor's choice, else its Accept-Language header."""
    request = request or request_in_hand()
    if request is None:
        return DEFAULT
    chosen = SESSIONS.locale(request.session_hash or "")
    return chosen or preferred_locale((request.headers or {}).get("accept-language"))


def say(key: str, /, **params) -> str:
    """The sentence for key in the language of the request being handled."""
    return text(key, current_locale(), **params)


def resolve(value, locale: str):
    """value with every t() marker in it (alone, inside a string, in a list of choices) written in locale."""
    if isinstance(value, Marked):
        return text(value.key, locale)
    if isinstance(value, str):
        return MARKER.sub(lambda m: text(json.loads(m.group(1))["key"], locale), value)
    if isinstance(value, (list, tuple)):
        return type(value)(resolve(v, locale) for v in value)
    return value


def has_marker(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(has_marker(v) for v in value)
    return isinstance(value, Marked) or (isinstance(value, str) and MARKER.search(value) is not None)


class Page:
    """Every component built with t() text, and what the page redraws in the new language after a switch."""

    def __init__(self):
        self.marked: dict[gr.blocks.Block, dict[str, object]] = {}   # component -> {property: marked value}
        self.redraws: list[tuple] = []    # (fn, inputs, outputs) run after each switch
        self.openers: list[tuple] = []    # (fn, inputs, outputs, options) run once the page's language is set

    def localize(self, demo: gr.Blocks) -> None:
        """Find every marked property of every component, and write it in English for the first page."""
        for block in demo.blocks.values():
            if props := marked_properties(block, has_marker):
                self.marked[block] = props
                for name, value in props.items():
                    set_property(block, name, resolve(value, DEFAULT))

    def on_open(self, fn, inputs, outputs, **options) -> None:
        """When the page opens, fn sets what a link asks for (a lesson) after the language has relabelled the
        pickers: run beside it, new choices would undo what fn picked. options: the event's own (preprocess=)."""
        self.openers.append((fn, inputs, outputs, options))

    def redraw_on_switch(self, fn, inputs, outputs) -> None:
        """After a switch, fn redraws what the server wrote on screen (a status, a chart) in the new language."""
        self.redraws.append((fn, inputs, outputs))

    def choosers(self) -> list:
        """The components whose choices are worded: new choices alone would reset what the visitor picked."""
        return [block for block, props in self.marked.items() if "choices" in props]

    def updates(self, locale: str, chosen: dict | None = None) -> dict:
        """Every marked property in locale, as one update per component; chosen: the pickers' current values."""
        chosen = chosen or {}
        return {block: gr.update(**{name: resolve(value, locale) for name, value in props.items()},
                                 **({"value": chosen[block]} if block in chosen else {}))
                for block, props in self.marked.items()}

    def switch(self, demo: gr.Blocks, picker: gr.Radio) -> None:
        """Wire the header's language picker: set on page load, changed by the visitor; then the redraws."""
        choosers = self.choosers()
        outputs = [picker, *self.marked]

        def choose(request: gr.Request, tag, *values):   # request first: Gradio inserts it by position
            locale = locale_of(tag) or DEFAULT
            SESSIONS.choose_locale(request.session_hash, locale)
            return {picker: locale, **self.updates(locale, dict(zip(choosers, values)))}

        def open_page(request: gr.Request, tag):
            if (locale_of(tag) or DEFAULT) == DEFAULT:
                SESSIONS.choose_locale(request.session_hash, DEFAULT)
                return {picker: DEFAULT}         # the page was built in English: nothing to rewrite
            return choose(request, tag)

        hidden = dict(**HIDDEN_PROGRESS, api_visibility="private")
        opened = demo.load(open_page, picker, outputs, js=INITIAL_LANGUAGE, **hidden)
        for fn, inputs, opener_outputs, options in self.openers:
            opened = opened.then(fn, inputs, opener_outputs, **hidden, **options)
        switched = picker.input(choose, [picker, *choosers], outputs, js=REMEMBER_LANGUAGE, **hidden)
        for chain in (opened, switched):
            for fn, inputs, redraw_outputs in self.redraws:
                chain = chain.then(fn, inputs, redraw_outputs, **hidden)


def language_picker() -> gr.Radio:
    """The header's switch: each language named in itself."""
    return gr.Radio(list(NAMES), value=DEFAULT, label="Language · 语言", show_label=False, container=False,
                    elem_id="language")
