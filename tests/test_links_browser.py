"""Issue 25, in real Chromium: a teacher's link opens the explorer on the Sequential chain and the kernel grid that
were typed on their screen, not only on its layer and settings."""
from urllib.parse import quote

from nets.text import TRANSLATIONS
from tests.test_reach_browser import WAIT, open_page, query
from ui.explorer.inputs import DEFAULTS

EN = TRANSLATIONS["en"]
CHAIN = "Conv2d(3, 5, kernel_size=3)\nMaxPool2d(3)"   # (64, 5, 30, 30), then (64, 5, 10, 10)
GRID = "0 0 0\n0 7 0\n0 0 0"


def link(app_url: str, **params) -> str:
    return app_url + "?" + "&".join(f"{name}={quote(value)}" for name, value in params.items())


def test_a_link_opens_the_explorer_on_the_chain_it_carries_and_follows_the_learners_edit(browser, client, app_url):
    context, page = open_page(browser, link(app_url, tab="explorer", kind="Sequential", chain=CHAIN))
    page.get_by_text("(64, 5, 10, 10)").first.wait_for(timeout=WAIT)   # the chain's last stage, computed
    chain = page.get_by_label(EN["explorer.chain"])
    assert chain.input_value() == CHAIN
    chain.click()   # the learner edits it: the address bar follows
    chain.fill(CHAIN.replace("MaxPool2d(3)", "MaxPool2d(2)"))
    page.wait_for_function("() => new URL(location.href).searchParams.get('chain')?.endsWith('MaxPool2d(2)')")
    assert query(page)["chain"] == CHAIN.replace("MaxPool2d(3)", "MaxPool2d(2)") and page.errors == []
    context.close()


def test_a_link_opens_the_explorer_on_the_kernel_grid_it_carries(browser, client, app_url):
    context, page = open_page(browser, link(app_url, tab="explorer", kind="Conv2d", weights="grid", grid=GRID))
    kernel_figure = page.locator(".js-plotly-plot text", has_text="7.00")   # the kernel's figure, drawn
    kernel_figure.first.wait_for(state="attached", timeout=WAIT)
    assert page.get_by_label(EN["explorer.grid"].split(" (")[0]).input_value() == GRID
    context.close()


def test_a_chain_or_grid_the_explorer_would_refuse_is_left_out_of_the_view_it_opens(browser, client, app_url):
    context, page = open_page(browser, link(app_url, tab="explorer", kind="Sequential", chain="Conv2d(3, 5, nope)",
                                            weights="grid", grid="1 2\n3"))
    page.get_by_text("(64, 32, 16, 16)").first.wait_for(timeout=WAIT)   # the start's chain: conv 5x5, pool 2
    assert page.get_by_label(EN["explorer.chain"]).input_value().startswith("Conv2d(3, 32, kernel_size=5")
    assert page.errors == []
    context.close()
    context, page = open_page(browser, link(app_url, tab="explorer", kind="Conv2d", weights="grid", grid="1 2\n3"))
    page.locator(".js-plotly-plot text", has_text="5.00").first.wait_for(state="attached", timeout=WAIT)
    assert page.get_by_label(EN["explorer.grid"].split(" (")[0]).input_value() == DEFAULTS["grid"]   # its start
    assert page.errors == []
    context.close()
