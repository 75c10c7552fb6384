"""The Lessons tab: the notes section by section, with LayerLab's runnable code and the slips corrected."""
from typing import NamedTuple

import gradio as gr

from nets.explorer.chain import CHAIN_PRESETS
from nets.lessons.catalog import FIRST, LESSONS, lesson_source
from nets.lessons.runner import LessonError, run_lesson
from nets.text import LOCALES, TRANSLATIONS, Phrase, locale_of
from ui.common import dataset
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import Page, current_locale, say, t
from ui.common.validate import as_choice, refuse, refused, shown
from ui.common.views import view_of

# The tab each lesson's "open" button shows, and the explorer controls it sets (by explore()'s parameter names).
LINKS = {
    "module": ("builder", {}),
    "conv2d": ("explorer", dict(source="cifar10", kind="Conv2d", out_channels=6, kernel_size=3, stride=1,
                                padding=1, dilation=1)),
    "maxpool": ("explorer", dict(source="cifar10", kind="MaxPool2d", pool_kernel=2, pool_stride=2,
                                 pool_padding=1, pool_dilation=1, ceil_mode=False)),
    "activation": ("explorer", dict(source="cifar10", kind="Sigmoid")),
    "linear": ("explorer", dict(source="cifar10", kind="Linear", out_features=10)),
    "sequential": ("explorer", dict(source="cifar10", kind="Sequential", chain=CHAIN_PRESETS["tutorial network"])),
    "loss": ("training", {}),
    "optim": ("training", {}),
    "vgg16": ("zoo", {}),
    "saving": ("saving", {}),
    "gpu": ("training", {}),
}
EXPLORER_CONTROLS = sorted({name for _, controls in LINKS.values() for name in controls})
LESSON, LANGUAGE = Phrase("lessons.pick"), Phrase("lessons.language")   # how refusals name the two choices
NO_PROGRESS = {"opened": [], "runs": 0}
# A fixed secret so the progress survives a server restart; it guards nothing private (opened lessons, a count).
PROGRESS_SECRET = "layerlab-lessons-progress"
# After the learner's own pick (an input event: not the page's start, a link or a language switch), the lesson picked
# scrolled to the screen's top once drawn, where the list stands above it (a phone): at 390 px it changed 1,120 px
# below the screen. Beside the list (1400 px) the page stays where it is.
SHOW_LESSON = """(lesson) => { const until = performance.now() + 20000;   // ms: at most, on a busy server
  const look = () => {
    const column = document.getElementById('lesson-' + lesson), list = document.getElementById('lesson-pick');
    if (!column?.offsetParent) { if (performance.now() < until) requestAnimationFrame(look); return; }
    const below = column.getBoundingClientRect().top >= list.getBoundingClientRect().bottom;
    if (below) column.scrollIntoView({block: 'start'});
  };
  requestAnimationFrame(look); }"""


# What the tab's events update, by role: each lesson's column by the lesson's key, then the lesson picked, the
# button that opens its tab, what its code printed, the visitor's progress (kept in their browser) and its two
# displays (lessons opened, runs done). Built with LessonView.of(...): a part left out stays as the page shows it.
LessonView = NamedTuple("LessonView", [(part, object) for part in (*LESSONS, "lesson", "open_button", "output",
                                                                    "progress", "opened", "runs")])
LessonView.of = classmethod(view_of)


def slip_lines(slip, lesson: str, n: int, word=t) -> str:
    """The wrong line and its fix: code as code (the same in every language), a sentence of the notes and its
    correction as sentences in the learner's language (word: t while the page is built, else a table lookup)."""
    if slip.prose:
        return f"✗ {word(f'lessons.{lesson}.wrong{n}')}  \n✓ {word(f'lessons.{lesson}.fixed{n}')}"
    return f"✗ `{slip.wrong}`  \n✓ " + (f"`{slip.fixed}`" if slip.fixed else "—")


def lesson_locale(language) -> str:
    """The language /lesson answers in: the one named (as ?lang= and Accept-Language are read: "zh", "zh-CN",
    "en-US" ...), else the caller's, by the rule every endpoint uses (their choice, else Accept-Language)."""
    if language is None or language == "":
        return current_locale()
    locale = locale_of(language) if isinstance(language, str) else None
    if locale is None:
        raise refuse("validate.choice", name=LANGUAGE, choices=", ".join(LOCALES), value=shown(language))
    return locale


def lesson_text(lesson: str = FIRST, language: str = "") -> str:
    """A lesson as Markdown: text, code and slips, in the language named ("en", "zh-CN", "zh") or, left empty,
    the caller's (Accept-Language)."""
    lesson = as_choice(lesson, LESSON, tuple(LESSONS))
    table = TRANSLATIONS[lesson_locale(language)]
    slips = [f"{slip_lines(s, lesson, n, table.__getitem__)}  \n{table[f'lessons.{lesson}.slip{n}']}"
             for n, s in enumerate(LESSONS[lesson], 1)]
    return "\n\n".join([f"## {table[f'lessons.{lesson}.title']}", table[f"lessons.{lesson}.text"],
                        table["lessons.runs_how"], f"```python\n{lesson_source(lesson)}```", table["lessons.slips"],
                        *(slips or [table["lessons.no_slips"]])])


def lesson_run(lesson: str = FIRST) -> str:
    """What the lesson's code prints when run on its small CIFAR-10 batch in the server."""
    lesson = as_choice(lesson, LESSON, tuple(LESSONS))
    try:
        return run_lesson(lesson, dataset.require_data())
    except LessonError as e:
        raise refused(e) from None


def clean_progress(progress) -> dict:
    """The visitor's stored progress, with anything unknown (an old or edited browser store) dropped."""
    progress = progress if isinstance(progress, dict) else {}
    opened = progress.get("opened") if isinstance(progress.get("opened"), list) else []
    runs = progress.get("runs")
    return {"opened": [k for k in LESSONS if k in opened],
            "runs": runs if isinstance(runs, int) and not isinstance(runs, bool) and runs >= 0 else 0}


def progress_parts(progress: dict) -> dict:
    """The stored progress, and its two displays (lessons opened, runs done), by role."""
    return dict(progress=progress, opened=opened_text(progress), runs=progress["runs"])


def opened_text(progress) -> str:
    """How many lessons the visitor has opened, in their language (one line: the lessons are listed once)."""
    return say("lessons.opened", n=len(clean_progress(progress)["opened"]), total=len(LESSONS))


def show_lesson(lesson, progress):
    """Show one lesson (the others hidden), its open button, an empty output; remember it was opened."""
    lesson = as_choice(lesson, LESSON, tuple(LESSONS))
    progress = clean_progress(progress)
    progress["opened"] = [k for k in LESSONS if k in {*progress["opened"], lesson}]
    columns = {k: gr.update(visible=k == lesson) for k in LESSONS}
    return LessonView.of(**columns, open_button=open_label(lesson), output="", **progress_parts(progress))


def open_label(lesson):
    """The open button names the lesson's tab in the visitor's language (redrawn after a language switch)."""
    return gr.update(value=say(f"lessons.open_{LINKS[as_choice(lesson, LESSON, tuple(LESSONS))][0]}"))


def count_run(progress):
    """One more run done."""
    progress = clean_progress(progress)
    progress["runs"] += 1
    return LessonView.of(**progress_parts(progress))


def start_page(progress, current, request: gr.Request):
    """On page load: the lesson a ?lesson= link names (ui/links.py opens its tab), else the one on screen (the
    learner may have picked one while the page loaded), and the stored progress."""
    asked = request.query_params.get("lesson") if request else None
    if asked in LESSONS:
        return show_lesson(asked, progress)._replace(lesson=asked)
    lesson = current if current in LESSONS else FIRST
    return show_lesson(lesson, progress)._replace(lesson=lesson, output=gr.skip())   # a run's output stays


def open_linked_tab(lesson, kept) -> dict:
    """The lesson's tab selected, and the explorer's controls set as the lesson says (others left alone), by role:
    "tab", each control's name, and "kept": the explorer's layer controls as its page keeps them, in one value."""
    target, controls = LINKS[as_choice(lesson, LESSON, tuple(LESSONS))]
    if not controls:
        return {"tab": gr.Tabs(selected=target)}
    kept = kept if isinstance(kept, dict) else {}
    return {"tab": gr.Tabs(selected=target), **controls,
            "kept": {**kept, **{name: value for name, value in controls.items() if name in kept}, "moving": False}}


def build():
    """The Lessons tab's components and its own events; link() wires the ones that reach other tabs."""
    with gr.Tab(t("lessons.tab"), id="lessons"):
        gr.Markdown(t("lessons.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=240):
                lesson = gr.Radio([(t(f"lessons.{k}.title"), k) for k in LESSONS], value=FIRST,
                                  label=t("lessons.pick"), elem_id="lesson-pick")
                opened = gr.Markdown(opened_text(NO_PROGRESS), elem_id="lessons-opened")
                runs = gr.Number(0, precision=0, interactive=False, label=t("lessons.runs"), elem_id="lessons-runs")
            with gr.Column(scale=3):
                columns = [lesson_column(k) for k in LESSONS]
                with gr.Row():
                    run_button = gr.Button(t("lessons.run"), variant="primary", elem_id="lesson-run")
                    open_button = gr.Button(t(f"lessons.open_{LINKS[FIRST][0]}"), elem_id="lesson-open")
                output = gr.Code(language=None, label=t("lessons.output"), interactive=False, wrap_lines=True,
                                 elem_id="lesson-output")
        progress = gr.BrowserState(NO_PROGRESS, storage_key="layerlab-lessons", secret=PROGRESS_SECRET)
    view = list(LessonView(**dict(zip(LESSONS, columns)), lesson=lesson, open_button=open_button, output=output,
                           progress=progress, opened=opened, runs=runs))   # what the tab's events update
    lesson.change(show_lesson, [lesson, progress], view, queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    lesson.input(None, lesson, js=SHOW_LESSON, show_progress="hidden", api_visibility="private")
    # preprocess=False: an unknown lesson sent to the API gets lesson_run's sentence listing the lessons.
    ran = run_button.click(lesson_run, lesson, output, api_name="lesson_run", concurrency_limit=1,
                           concurrency_id="lessons", preprocess=False)
    ran.success(count_run, progress, view, queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    return {"lesson": lesson, "open_button": open_button, "progress": progress, "opened": opened, "view": view}


def lesson_column(lesson: str) -> gr.Column:
    """One lesson: its explanation, its code, and beside the code each slip with its one-line reason."""
    with gr.Column(visible=lesson == FIRST, elem_id=f"lesson-{lesson}") as column:
        gr.Markdown(t(f"lessons.{lesson}.text"))
        gr.Markdown(t("lessons.runs_how"))
        with gr.Row():
            gr.Code(lesson_source(lesson), language="python", label=t("lessons.code"), interactive=False,
                    wrap_lines=True, scale=3)
            with gr.Column(scale=2):
                gr.Markdown(t("lessons.slips"))
                for n, slip in enumerate(LESSONS[lesson], 1):
                    gr.Markdown(slip_lines(slip, lesson, n), elem_classes="lesson-slip")
                    gr.Markdown(t(f"lessons.{lesson}.slip{n}"))
                if not LESSONS[lesson]:
                    gr.Markdown(t("lessons.no_slips"))
    return column


def link(page: Page, tabs: gr.Tabs, parts: dict, explorer_controls: dict, explorer) -> None:
    """Wire what reaches other tabs, once they are built: the open button, ?lesson= links, the /lesson API.
    explorer_controls: the explorer's components by /explore's parameter names; explorer: its kept value and its
    redraw (ui.explorer.tab.Drive)."""
    targets = {"tab": tabs, "kept": explorer.kept, **{name: explorer_controls[name] for name in EXPLORER_CONTROLS}}

    def open_linked(lesson, kept):
        return {targets[role]: value for role, value in open_linked_tab(lesson, kept).items()}

    opened = parts["open_button"].click(open_linked, [parts["lesson"], explorer.kept], list(targets.values()),
                                        queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    # The explorer drawn for the controls just set (its tab may not be built yet, so its controls' events may not
    # fire; where the kept controls' own update runs too, Shown.start draws the view once).
    opened.then(*explorer.redraw, **HIDDEN_PROGRESS, api_visibility="private", preprocess=False)
    gr.api(lesson_text, api_name="lesson")
    page.redraw_on_switch(opened_text, parts["progress"], parts["opened"])
    page.on_open(start_page, [parts["progress"], parts["lesson"]], parts["view"])
