"""The Lessons tab through the real server (gradio_client) and its handlers called directly."""
import types

import gradio as gr
import pytest
from gradio_client.exceptions import AppError

from nets.lessons.catalog import FIRST, LESSONS, lesson_source
from nets.lessons.runner import run_lesson
from ui import lessons_tab, links
from nets.text import TRANSLATIONS


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_api_gives_every_lesson_in_both_languages(client, language):
    table = TRANSLATIONS[language]
    for lesson, slips in LESSONS.items():
        text = client.predict(lesson, language, api_name="/lesson")
        assert table[f"lessons.{lesson}.title"] in text and table[f"lessons.{lesson}.text"] in text
        assert lesson_source(lesson) in text
        for n, slip in enumerate(slips, 1):
            shown = ([table[f"lessons.{lesson}.wrong{n}"], table[f"lessons.{lesson}.fixed{n}"]] if slip.prose
                     else [slip.wrong, slip.fixed])
            assert all(part in text for part in shown) and table[f"lessons.{lesson}.slip{n}"] in text
        assert (table["lessons.no_slips"] in text) is (not slips)


def test_api_speaks_the_callers_language_by_the_rule_every_endpoint_uses(app_url):
    """language "zh" is Chinese (as ?lang=zh is); left out, the caller's Accept-Language decides."""
    from gradio_client import Client
    chinese_caller = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    chinese = TRANSLATIONS["zh-CN"]["lessons.conv2d.title"]
    assert chinese in chinese_caller.predict("conv2d", "zh", api_name="/lesson")
    assert chinese in chinese_caller.predict("conv2d", api_name="/lesson")
    assert TRANSLATIONS["en"]["lessons.conv2d.title"] in chinese_caller.predict("conv2d", "en", api_name="/lesson")
    with pytest.raises(AppError, match="语言必须是以下之一：en, zh-CN"):
        chinese_caller.predict("conv2d", "fr", api_name="/lesson")


def test_api_runs_a_lesson_as_the_runner_does(client, cifar):
    printed = client.predict("maxpool", api_name="/lesson_run")
    assert "torch.Size([8, 3, 17, 17])" in printed
    assert printed.strip() == run_lesson("maxpool", cifar).strip()


@pytest.mark.parametrize("endpoint, args", [("/lesson", ("nope", "en")), ("/lesson", ("maxpool", "fr")),
                                            ("/lesson_run", ("../app",))])
def test_api_refuses_unknown_lessons_and_languages(client, endpoint, args):
    with pytest.raises(AppError, match="must be one of"):
        client.predict(*args, api_name=endpoint)


def test_opening_a_lesson_records_it_once_and_shows_only_it():
    progress = {"opened": ["maxpool"], "runs": 2}
    out = lessons_tab.show_lesson("linear", progress)
    assert [getattr(out, k)["visible"] for k in LESSONS] == [k == "linear" for k in LESSONS]
    assert out.progress == {"opened": ["maxpool", "linear"], "runs": 2} and out.runs == 2
    assert out.opened == f"✓ 2 of {len(LESSONS)} lessons opened" and out.lesson == gr.skip()
    assert lessons_tab.show_lesson("linear", out.progress).progress == out.progress


def test_a_run_counts_once_and_leaves_the_lesson_as_shown():
    out = lessons_tab.count_run({"opened": ["gpu"], "runs": 2})
    assert (out.progress, out.runs) == ({"opened": ["gpu"], "runs": 3}, 3) and out.output == out.gpu == gr.skip()


@pytest.mark.parametrize("stored", [None, "x", {"opened": ["../x", "gpu"], "runs": -1}, {"runs": True}])
def test_odd_stored_progress_is_cleaned(stored):
    progress = lessons_tab.clean_progress(stored)
    assert set(progress["opened"]) <= set(LESSONS) and progress["runs"] == 0


def test_a_lesson_link_selects_that_lesson():
    def request(query):
        return types.SimpleNamespace(query_params=query)
    assert lessons_tab.start_page(None, FIRST, request({"lesson": "vgg16"})).lesson == "vgg16"
    assert links.open_tab(request({"lesson": "vgg16"})).selected == "lessons"
    assert links.open_tab(request({"lesson": "vgg16", "tab": "zoo"})).selected == "zoo"   # copied from the Zoo
    assert lessons_tab.start_page(None, FIRST, request({"lesson": "nope"})).lesson == FIRST
    assert links.open_tab(request({"lesson": "nope"})) == gr.skip()


def test_a_lesson_picked_while_the_page_loads_stays_picked():
    out = lessons_tab.start_page(None, "vgg16", types.SimpleNamespace(query_params={}))
    assert out.lesson == "vgg16" and [getattr(out, k)["visible"] for k in LESSONS] == [k == "vgg16" for k in LESSONS]
    assert out.output == gr.skip()   # a run's output stays


def test_every_lesson_opens_a_tab_that_exists_with_explorer_settings_it_has():
    from dataclasses import fields

    from ui.explorer.inputs import Controls
    params = {f.name for f in fields(Controls)}
    for tab, controls in lessons_tab.LINKS.values():
        assert tab in {"explorer", "training", "builder", "zoo", "saving"}
        assert set(controls) <= set(params) and (tab == "explorer") == bool(controls)
    assert set(lessons_tab.LINKS) == set(LESSONS)
