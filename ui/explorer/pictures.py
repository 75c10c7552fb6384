"""The Layer explorer's picture frames: panels whose pictures a page script fills (assets/explorer_pictures.js).

Not the panels' own values: gr.HTML serializes its props several times an update and parses all of its HTML
again, and for the 330 KB output grid that held the picture back (slider release -> picture drawn, A/B in
Chromium: 183 ms as the panel's value, 146 ms through one hidden value that a script reads)."""
from pathlib import Path

import gradio as gr

from ui.common.i18n import say, t

SCRIPT = (Path(__file__).resolve().parents[2] / "assets" / "explorer_pictures.js").read_text(encoding="utf-8")
# The js of the hidden value's change (its one argument: the pictures that changed), and of a panel's loading.
SHOW_PICTURES = f"(pictures) => {{\n{SCRIPT}\nshowPictures(pictures);\n}}"
LOAD_FRAME = f"{SCRIPT}\nloadFrame(element);"
FRAMES = {"input": "explorer-input", "output": "explorer-output", "maps": "explorer-maps"}   # part -> frame id
ALTS = {"input": "explorer.alt_input", "output": "explorer.alt_output", "maps": "explorer.alt_maps"}


def picture_panel(label: str, frame: str | None = None, visible: bool = True) -> gr.HTML:
    """A labelled panel for inline pictures: with a frame id, the frame the script fills; without, HTML that the
    explorer sends itself (the stage gallery)."""
    value = (f'<div id="{frame}" class="ll-picture"><img alt=""><a class="ll-download" href="#" '
             f'download="{frame}.png"></a></div>') if frame else None
    return gr.HTML(value, label=t(label), show_label=True, container=True, visible=visible, js_on_load=LOAD_FRAME,
                   elem_classes="ll-frame" if frame else None)   # its label in the flow (assets/app.css)


def shown_pictures(uris: dict) -> dict:
    """{part: URI or None} as the frames' pictures, each with its words in the visitor's language; None hides
    the panel (Linear has no feature maps)."""
    words = dict(title=say("explorer.fullscreen"), download=say("explorer.download_png"))
    return {part: uri and dict(src=uri, alt=say(ALTS[part]), **words) for part, uri in uris.items()}
