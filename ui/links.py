"""Links to a view: ?tab= opens a tab (?lesson= a lesson, lessons_tab; ?lang= the language, i18n), and the address
bar follows the learner (assets/navigation.html), so a teacher can paste the link of what is on their screen."""
import gradio as gr

from ui.i18n import Page

TAB_IDS = ("lessons", "data", "explorer", "training", "network", "builder", "zoo", "saving")
# The lesson picked, in the address bar (?lesson=), as lessons_tab reads it.
LINK_LESSON = "(lesson) => { if (window.layerlabActed) window.layerlabLink({lesson}); }"


def open_tab(request: gr.Request):
    """The tab a ?tab= link names; without one (or an unknown one) the page stays where it is."""
    asked = request.query_params.get("tab") if request else None
    return gr.Tabs(selected=asked) if asked in TAB_IDS else gr.skip()


def link(page: Page, tabs: gr.Tabs, lesson: gr.Radio) -> None:
    """Wire the links, after the other tabs' openers (lessons_tab.link): ?tab= wins over the Lessons tab that
    ?lesson= opens, since a link copied from another tab names both."""
    page.on_open(open_tab, None, tabs)
    lesson.change(None, lesson, None, js=LINK_LESSON, show_progress="hidden", api_visibility="private")
