"""Links to a view: ?tab= opens a tab; the explorer's layer and settings (?kind=MaxPool2d&pool_kernel=3, by
/explore's parameter names), its Sequential chain and its kernel grid (?chain=, ?grid=, as typed in their boxes);
?lesson= a lesson (its tab opened here, the lesson shown by lessons_tab), ?lang= the language (i18n). The address
bar follows the learner (assets/navigation.html), so a teacher can paste the link of what is on their screen."""
import json
import math
from functools import partial

import gradio as gr

from nets.explorer.chain import MAX_TEXT, parse_chain
from nets.explorer.layer import LayerError
from nets.lessons.catalog import LESSONS
from ui.explorer.inputs import DEFAULTS, KEPT, grid_kernel
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import Page

TAB_IDS = ("lessons", "data", "explorer", "training", "network", "builder", "zoo", "saving")
START = {name: DEFAULTS[name] for name in KEPT}   # a link names only the settings that differ from these
TEXTS = ("chain", "grid")   # the explorer's boxes of typed text a link carries, at most MAX_TEXT characters each
# The lesson picked, in the address bar (?lesson=), as lessons_tab reads it.
LINK_LESSON = "(lesson) => { if (window.layerlabActed) window.layerlabLink({lesson}); }"
# The explorer's settings that differ from the page's start, in the address bar; one back at its start drops out.
# Not while a slider is held: its release names the value it ends on (Chromium's history.replaceState took 1-2 ms
# of the page's main thread for each value a drag passed, while the page had pictures to show).
LINK_EXPLORER = f"""(kept) => {{
  if (!window.layerlabActed || !kept || kept.moving) return;
  const start = {json.dumps(START)};
  window.layerlabLink(Object.fromEntries(Object.entries(start).map(
    ([name, value]) => [name, kept[name] === undefined || kept[name] === value ? null : String(kept[name])])));
}}"""
# A slider let go of: its value. The kept copy keeps `moving` as it was when the value changed (the release asks for
# its update itself: ui.explorer.tab.build).
LINK_RELEASED = "(value, kept) => ({link})({{...kept, {name}: value, moving: false}})"
# The chain or the kernel grid as typed, in the address bar while it differs from the page's start and fits a link.
LINK_TEXT = """(text) => {{
  if (!window.layerlabActed || typeof text !== "string") return;
  window.layerlabLink({{{name}: text === {start} || text.length > {limit} ? null : text}});
}}"""


def open_tab(request: gr.Request):
    """The tab a ?tab= link names, else the Lessons tab for a ?lesson= link (a link copied from another tab names
    both); without either (or unknown ones) the page stays where it is."""
    params = request.query_params if request else {}
    if params.get("tab") in TAB_IDS:
        return gr.Tabs(selected=params["tab"])
    return gr.Tabs(selected="lessons") if params.get("lesson") in LESSONS else gr.skip()


def link_value(text: str, start, control):
    """A link's text as the value its control takes (the type of its start value, one of its choices, within its
    bounds); None when it is none of them: the control keeps its value."""
    if isinstance(start, bool):
        return {"true": True, "false": False}.get(text.lower())
    try:
        value = int(text) if isinstance(start, int) else float(text) if isinstance(start, float) else text
    except ValueError:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    choices = getattr(control, "choices", None)
    if choices and value not in [choice[1] if isinstance(choice, tuple) else choice for choice in choices]:
        return None
    low, high = getattr(control, "minimum", None), getattr(control, "maximum", None)
    if isinstance(value, (int, float)) and ((low is not None and value < low) or (high is not None and value > high)):
        return None
    return value


def link_text(name: str, text: str) -> str | None:
    """A link's chain or kernel grid as its box takes it: None when it cannot be read (too long, a line that is no
    layer, a grid of no square of numbers), so the box keeps its start. A chain that reads but does not fit (a
    layer's sizes against the batch) opens as typed, with the explorer's refusal beside it, as it was shared."""
    try:
        if len(text) > MAX_TEXT:
            return None
        parse_chain(text) if name == "chain" else grid_kernel(text, DEFAULTS["kernel_size"])
    except (LayerError, gr.Error):
        return None
    return text


def explorer_settings(controls: dict, request: gr.Request | None) -> dict:
    """The explorer settings a link names, each as its control takes it, and its chain and grid (the others left
    out)."""
    params = request.query_params if request else {}
    settings = {name: value for name, control in controls.items() if name in params
                and (value := link_value(params[name], START[name], control)) is not None}
    texts = {name: text for name in TEXTS if name in params and (text := link_text(name, params[name])) is not None}
    return settings | texts


def open_explorer(controls: dict, boxes: dict, request: gr.Request, kept):
    """The explorer's controls and boxes (the kept copy of the controls, the chain, the grid, and `linked`) set as
    a link names them; nothing without one. The link is read here once: `linked` says whether to draw it."""
    asked = explorer_settings(controls, request)
    if not asked:
        return gr.skip()
    kept = kept if isinstance(kept, dict) else {}
    settings = {name: value for name, value in asked.items() if name in controls}
    return {**{controls[name]: value for name, value in settings.items()},
            **{boxes[name]: asked[name] for name in TEXTS if name in asked},
            boxes["kept"]: {**kept, **settings, "moving": False}, boxes["linked"]: True}


def redraw_if_linked(redraw, linked, *values):
    """The explorer's redraw, run when the page opened a link to it (its tab may not be built yet, so its controls'
    events may not fire; where the kept controls' own update runs too, Shown.start draws the view once); without a
    link no view is computed for a visitor who may never open it."""
    return redraw(*values) if linked else gr.skip()


def link(page: Page, tabs: gr.Tabs, lesson: gr.Radio, explorer_controls: dict, explorer) -> None:
    """Wire the links. explorer: its kept value and its redraw (ui.explorer.tab.Drive)."""
    controls = {name: explorer_controls[name] for name in KEPT}
    linked = gr.State(False)   # whether the page opened a link to the explorer
    # The chain and the grid before the kept copy of the controls (the controls after it, as before): the page sets
    # a response's values in this order, and the kept value's change starts an update that reads the chain and the
    # grid as they are then (with the kept value set first, an update read the start's grid and, finishing last,
    # drew it and put it back in the box: a pasted grid link showed the default kernel, 2 runs of
    # tests/test_links_browser.py in 3).
    boxes = {**{name: explorer_controls[name] for name in TEXTS}, "linked": linked, "kept": explorer.kept}
    fn, inputs, outputs = explorer.redraw

    def set_explorer(request: gr.Request, kept):   # Gradio finds the request by its annotation, which a partial hides
        return open_explorer(controls, boxes, request, kept)

    page.on_open(open_tab, None, tabs)
    page.on_open(set_explorer, explorer.kept, [*boxes.values(), *controls.values()])
    page.on_open(partial(redraw_if_linked, fn), [linked, *inputs], outputs, preprocess=False)
    lesson.change(None, lesson, None, js=LINK_LESSON, **HIDDEN_PROGRESS, api_visibility="private")
    explorer.kept.change(None, explorer.kept, None, js=LINK_EXPLORER, **HIDDEN_PROGRESS,
                         api_visibility="private")
    for name, control in controls.items():
        if isinstance(control, gr.Slider):
            js = LINK_RELEASED.format(link=LINK_EXPLORER, name=name)
            control.release(None, [control, explorer.kept], None, js=js, **HIDDEN_PROGRESS, api_visibility="private")
    for name in TEXTS:
        js = LINK_TEXT.format(name=name, start=json.dumps(DEFAULTS[name]), limit=MAX_TEXT)
        boxes[name].change(None, boxes[name], None, js=js, **HIDDEN_PROGRESS, api_visibility="private")
