"""Values Gradio itself checks before any handler runs (an upload, a table), checked first in LayerLab's words.

Even with preprocess=False, Gradio 6 validates an upload's or a table's value against its data model (FileData,
DataframeData) before the handler sees it: a string sent for a file got pydantic's English "1 validation error for
FileData", a path on the server "Cannot move ... because it was not uploaded by a user", too few values "An event
handler didn't receive enough input values". The same checks run first here (through
gradio_hooks.check_before_gradio), and their refusals name the setting in the caller's language.
"""
import gradio as gr
from gradio.components.dataframe import DataframeData
from gradio.data_classes import FileData, ImageData, ListFiles
from gradio.utils import get_upload_folder, is_in_or_equal, is_static_file
from gradio_client.utils import is_http_url_like

from nets.text import text
from ui.common.gradio_hooks import api_inputs, check_before_gradio, component_values
from ui.common.i18n import Page, current_locale, resolve
from ui.common.tempfiles import file_paths
from ui.common.validate import bad, shown

FILES = (FileData, ImageData, ListFiles)   # data models of an upload: File, Image, a File of several


def check_first(demo: gr.Blocks, page: Page) -> None:
    """Every event of demo checks its uploads and tables first, refusing in the caller's language (page: for the
    component's label in that language)."""
    check_before_gradio(demo, lambda fn, inputs, request: check_values(fn, inputs, request, page))


def check_values(fn, inputs: list, request, page: Page) -> None:
    """A gr.Error for too few values (Gradio's own check names no setting), or for the first input whose value
    Gradio's data model would refuse, or whose file was not uploaded."""
    if len(inputs) < len(fn.inputs):   # Gradio fills in the visitor's gr.State values only for a full call
        raise bad(text("validate.count", current_locale(request), got=len(inputs), want=len(api_inputs(fn))))
    for block, value in component_values(fn, inputs):
        model = getattr(block, "data_model", None)   # what Gradio validates the value against, if anything
        if value is not None and model is not None and not readable(model, value):
            locale = current_locale(request)
            raise bad(text(refusal_key(model), locale, name=label(block, page, locale), value=shown(value)))


def readable(model, value) -> bool:
    """Whether Gradio's own check passes value, and every file in it lies in Gradio's upload folder."""
    try:
        model.model_validate(value, context={"validate_meta": True})   # as Blocks.preprocess_data does
    except ValueError:   # pydantic's ValidationError
        return False
    return not issubclass(model, FILES) or all(map(uploaded, file_paths(value)))


def uploaded(path: str) -> bool:
    """A file sent through /gradio_api/upload (or a URL, or a file the app itself serves), not a path on the
    server: what Gradio lets through before the handler."""
    return is_http_url_like(path) or is_in_or_equal(path, get_upload_folder()) or is_static_file(path)


def refusal_key(model) -> str:
    if issubclass(model, DataframeData):
        return "validate.not_table"
    return "validate.not_file" if issubclass(model, FILES) else "validate.not_value"


def label(block, page: Page, locale: str) -> str:
    """The component's label as the page shows it in locale."""
    marked = page.marked.get(block, {}).get("label")
    return resolve(marked, locale) if marked is not None else str(block.label or type(block).__name__)
