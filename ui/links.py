"""Links to a view: ?tab= opens a tab, and the explorer's layer and settings (?kind=MaxPool2d&pool_kernel=3, by
/explore's parameter names); ?lesson= a lesson (its tab opened here, the lesson shown by lessons_tab), ?lang= the
language (i18n). The address bar follows the learner (assets/navigation.html), so a teacher can paste the link of
what is on their screen."""
import json
import math

import gradio as gr

from nets.lessons.catalog import LESSONS
from ui.explorer.inputs import DEFAULTS, KEPT
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import Page

TAB_IDS = ("lessons", "data", "explorer", "training", "network", "builder", "zoo", "saving")
START = {name: DEFAULTS[name] for name in KEPT}   # a link names only the settings that differ from these
# The lesson picked, in the address bar (?lesson=), as lessons_tab reads it.
LINK_LESSON = "(lesson) => { if (window.layerlabActed) window.layerlabLink({lesson}); }"
# The explorer's settings that differ from the page's start, in the address bar; one back at its start drops out.
LINK_EXPLORER = f"""(kept) => {{
  if (!window.layerlabActed || !kept) return;
  const start = {json.dumps(START)};
  window.layerlabLink(Object.fromEntries(Object.entries(start).map(
    ([name, value]) => [name, kept[name] === undefined || kept[name] === value ? null : String(kept[name])])));
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


def explorer_settings(controls: dict, request: gr.Request | None) -> dict:
    """The explorer settings a link names, each as its control takes it (the others left out)."""
    params = request.query_params if request else {}
    return {name: value for name, control in controls.items() if name in params
            and (value := link_value(params[name], START[name], control)) is not None}


def open_explorer(controls: dict, kept_box, request: gr.Request, kept):
    """The explorer's controls set as a link names them, and the page's kept copy of them; nothing without one."""
    asked = explorer_settings(controls, request)
    if not asked:
        return gr.skip()
    kept = kept if isinstance(kept, dict) else {}
    return {**{controls[name]: value for name, value in asked.items()}, kept_box: {**kept, **asked, "moving": False}}


def redraw_if_linked(controls: dict, redraw, request: gr.Request, *values):
    """The explorer's redraw, run when a link names its settings (its tab may not be built yet, so its own events
    may not fire); without one no view is computed for a visitor who may never open it."""
    return redraw(*values) if explorer_settings(controls, request) else gr.skip()


def link(page: Page, tabs: gr.Tabs, lesson: gr.Radio, explorer_controls: dict, explorer) -> None:
    """Wire the links. explorer: its kept value and its redraw (explorer_tab.Drive)."""
    controls = {name: explorer_controls[name] for name in KEPT}
    fn, inputs, outputs = explorer.redraw

    # Gradio finds the request by the parameter's annotation, which a partial hides.
    def set_explorer(request: gr.Request, kept):
        return open_explorer(controls, explorer.kept, request, kept)

    def draw_explorer(request: gr.Request, *values):
        return redraw_if_linked(controls, fn, request, *values)

    page.on_open(open_tab, None, tabs)
    page.on_open(set_explorer, explorer.kept, [explorer.kept, *controls.values()])
    page.on_open(draw_explorer, inputs, outputs, preprocess=False)
    lesson.change(None, lesson, None, js=LINK_LESSON, **HIDDEN_PROGRESS, api_visibility="private")
    explorer.kept.change(None, explorer.kept, None, js=LINK_EXPLORER, **HIDDEN_PROGRESS,
                         api_visibility="private")
