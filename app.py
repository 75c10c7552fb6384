"""LayerLab: see what a convolutional network does to real CIFAR-10 images, layer by layer."""
import argparse
import gc
import os
import sys
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from nets import limits, own
from nets.text import LearnerError, locale_of, text
from ui import builder_tab, data_tab, lessons_tab, links, saving_tab, zoo_tab
from ui.common import dataset, prechecks, sessions, tempfiles
from ui.explorer import tab as explorer_tab
from ui.network import tab as network_tab
from ui.training import tab as training_tab
from ui.common.i18n import Page, language_picker, t
from ui.common.gradio_hooks import PROGRESS_SINK, rare_queue_summary, skips_pass_through
from ui.common.requests import JsonGuard

ASSETS = Path(__file__).resolve().parent / "assets"
CSS_PATHS = [ASSETS / "app.css"]
# In the page's <head>: the visitor's language (ui/common/i18n.py), the progress hook (ui/common/gradio_hooks.py),
# and the tab list's keys and the address bar (ui/links.py).
HEAD_PATHS = [ASSETS / "language.html", ASSETS / "progress.html", ASSETS / "navigation.html"]


def own_banner() -> None:
    """Whose network the page shows, when app.py was started with --model."""
    if own.OWN is not None:
        weights = f" · `{own.OWN.weights_name}`" if own.OWN.weights_name else ""
        gr.Markdown(f"{t('own.banner')} **{own.OWN.name}** · `{own.OWN.maker.file.name}`{weights}",
                    elem_id="own-network")


def build_demo() -> gr.Blocks:
    """The whole app: one tab per part of the tutorial."""
    # Gradio's uploads and outputs older than an hour are deleted every half hour, and all of them at a restart.
    with gr.Blocks(title="LayerLab", delete_cache=(1800, 3600)) as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(t("app.title"), elem_id="app-title")  # "# LayerLab — …" in every language
            picker = language_picker()
        PROGRESS_SINK.render()   # what every event with hidden progress reports to (ui/common/gradio_hooks.py)
        gr.Markdown(t("app.intro"))
        own_banner()
        # Per-visitor values shared between tabs: the model they trained, the network they built.
        model_state = gr.State(None)   # nets.models.TrainedModel once the visitor has trained one
        arch_state = gr.State(None)    # the builder's layer list (nets.builder.spec); None = the tutorial's network
        explorer_values = explorer_tab.page_values()   # found first by the page's searches (ui/explorer/layout.py)
        with gr.Tabs() as tabs:
            lessons = lessons_tab.build()
            data_redraws = data_tab.build()
            explorer_controls, explorer_outputs, explorer_redraw = explorer_tab.build(model_state, arch_state,
                                                                                  explorer_values)
            training_redraws = training_tab.build(model_state, arch_state)
            network_redraws = network_tab.build(model_state, arch_state)
            builder_redraws = builder_tab.build(arch_state)
            zoo_redraws = zoo_tab.build()
            saving_redraws = saving_tab.build(model_state, arch_state)
        demo.unload(sessions.session_closed)   # a closed tab's model is dropped within minutes, not an hour
        page = Page()
        lessons_tab.link(page, tabs, lessons, explorer_controls, explorer_outputs)
        links.link(page, tabs, lessons["lesson"], explorer_controls, explorer_outputs)
        page.localize(demo)
        prechecks.check_first(demo, page)   # uploads and tables refused in LayerLab's words, not pydantic's
        skips_pass_through(demo)   # an output left as it is costs Gradio nothing (a held explorer slider's 6 of 11)
        for redraw in data_redraws:   # the tab shown first
            page.redraw_on_switch(*redraw)
        page.redraw_on_switch(*explorer_redraw)
        page.redraw_on_switch(lessons_tab.open_label, lessons["lesson"], lessons["open_button"])
        for redraw in [*network_redraws, *builder_redraws, *zoo_redraws, *saving_redraws, *training_redraws]:
            page.redraw_on_switch(*redraw)
        page.switch(demo, picker)   # sets the language when the page opens, then draws the Data tab
    return demo


tempfiles.hold_gradio_cache()   # before the first component is built
demo = build_demo()


def parser() -> argparse.ArgumentParser:
    """app.py's command line: where the data is, where to listen, and every limit for a shared server."""
    p = argparse.ArgumentParser(description="LayerLab: a dashboard for seeing what a CNN does.")
    p.add_argument("--data", default=os.environ.get("LAYERLAB_DATA"),
                   help="CIFAR-10 folder or archive (torchvision root, ImageFolder train/ test/, "
                        ".tar.gz/.tgz/.zip); default: download into --root")
    p.add_argument("--root", default="./data", help="where CIFAR-10 is downloaded when --data is not given")
    p.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    p.add_argument("--model", metavar="FILE.py[:NAME]",
                   help="your own network: the nn.Module class (or a function returning one) in your Python file, "
                        "run as `python FILE.py` would; NAME picks one when the file defines several")
    p.add_argument("--weights", metavar="FILE", help="start --model from these weights (.pth state_dict, loaded "
                                                      "with weights_only=True, or .safetensors)")
    limits.add_flags(p)
    return p


def start_own(model: str | None, weights: str | None) -> bool:
    """--model and --weights loaded for every visitor (True), or the learner told what to change, in the
    language of their terminal ($LANG), and LayerLab not started."""
    try:
        return own.configure(model, weights) is not None
    except LearnerError as e:
        locale = locale_of(os.environ.get("LANG", "").split(".")[0]) or "en"
        sys.exit(f"{text('own.cli_refused', locale)}\n{e.phrase.words(locale)}")


def parse_args(argv=None) -> argparse.Namespace:
    return parser().parse_args(argv)


def keep_startup_out_of_collections() -> None:
    """The objects built so far (the page, its server, Gradio's, torch's and plotly's modules: ~570,000) left out
    of every later garbage collection. Python's full collection walks every object it tracks while every thread
    waits: 341 ms with them (benchmarks/gc_pause.py; 599 ms logged in a served app), in which no visitor's update
    ran (a learner's drag that met one showed no picture). Their garbage is collected first, once."""
    gc.collect()
    gc.freeze()


def main(argv=None) -> None:
    args = parse_args(argv)
    limits.settle(args)   # the flags win over the environment, read when the modules were imported
    if start_own(args.model, args.weights):
        global demo
        demo = build_demo()   # the page again, now saying whose network it shows
    tempfiles.remove_stale()   # folders left by an earlier LayerLab that crashed or was killed
    dataset.configure(args.data, args.root)
    rare_queue_summary()   # before the queue is made
    # show_error: a value of the wrong type sent straight to the API fails in Gradio's own conversion,
    # before any handler runs; the caller should read why ("could not convert string to float").
    demo.queue(default_concurrency_limit=4).launch(
        server_name=args.host, server_port=args.port, css_paths=CSS_PATHS, head_paths=HEAD_PATHS,
        footer_links=["api"],
        show_error=True, app_kwargs={"middleware": [Middleware(JsonGuard), Middleware(tempfiles.CacheCap)]},
        max_file_size=limits.MAX_UPLOAD_BYTES,   # Gradio refuses bigger uploads before storing them
        prevent_thread_lock=True)
    keep_startup_out_of_collections()   # after launch, which builds the page's config and server again
    demo.block_thread()


if __name__ == "__main__":
    main()
