"""An ExplorerView drawn: the batch and output pictures, feature maps, figures, sliding window and status text."""
import html
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import torch

from nets.explorer.slide import SlideState, explain_value, window
from nets.explorer.view import ExplorerView, remembered
from nets.text import Phrase, class_name, text
from visual import layer_figures as figs
from visual.images import Picture, data_uri, image_grid
from visual.maps import batch_grid, batch_view, feature_maps_grid, for_display, scores_grid

HIST_SAMPLE = 200_000    # histograms are drawn from an even sample of at most this many values
CROP = 40                # larger inputs (an upload at its own size) are shown around the window, not whole


@dataclass
class ViewOptions:
    """How the result is drawn; none of these change the layer."""
    map_scale: str = "shared"    # visual.maps.MAP_SCALES
    colormap: str = "viridis"    # visual.maps.COLORMAPS
    batch_view: str = "reshape"  # visual.maps.VIEWS
    channel: int = 0             # output channel for the one-channel view, the kernel and the window
    step: int = 0                # position of the sliding window


@dataclass
class Drawn:
    """One drawn explorer view: pictures (visual.images.Picture, encoded by picture_uris), figures as
    plotly dicts."""
    status: str = ""
    input: Picture | None = None
    output: Picture | None = None
    maps: Picture | None = None
    gallery: list = field(default_factory=list)   # (Picture, caption)
    hist: dict | None = None
    layer_plot: dict | None = None
    slide_plot: dict | None = None
    slide_text: str = ""


# Shared by every visitor, without a lock, as nets.explorer.view's batches: entries are only read, a miss in two
# threads at once costs one encoding twice, and it is bounded (cleared when its URIs pass URIS_BYTES).
URIS: dict = {}   # (shape, checksum of a picture, encoding) -> its URI: a control leaves most pictures unchanged
URIS_BYTES = 48 << 20
INPUT_PICTURES: dict = {}  # (input batch, ()) -> its picture: drawn once for the updates of one batch


def cached_uri(pic: np.ndarray, kind: str) -> str:
    """A picture as a data: URI, encoded once while it is unchanged (the input: 10 ms an update saved). A preview
    (JPEG) of pixels whose exact WebP is encoded is that WebP: a held layer slider leaves the input as it is, the
    Image slider the output. A colour-mapped picture (a palette) is a small PNG whatever the encoding asked."""
    if isinstance(pic, tuple):
        return data_uri(pic, kind)
    crc = zlib.crc32(np.ascontiguousarray(pic))
    uri = URIS.get((pic.shape, crc, "webp")) if kind == "jpeg" else None
    key = (pic.shape, crc, kind)
    uri = uri or URIS.get(key)
    if uri is None:
        uri = data_uri(pic, kind)
        if sum(map(len, URIS.values())) + len(uri) > URIS_BYTES:
            URIS.clear()
        URIS[key] = uri
    return uri


def sample(x: torch.Tensor, n: int = HIST_SAMPLE) -> torch.Tensor:
    """An even sample of x's values (every k-th), so histograms of big outputs stay fast."""
    flat = x.detach().flatten()
    return flat[:: max(1, flat.numel() // n)]


def fit_maps(maps: torch.Tensor, limit: int = 1024) -> torch.Tensor:
    """Shrink big maps (an upload at its own size) so the grid of all channels stays about `limit` px wide."""
    c, h, w = maps.shape
    side = limit // max(1, math.ceil(math.sqrt(c)))
    if max(h, w) <= side:
        return maps
    f = side / max(h, w)
    size = (max(1, int(h * f)), max(1, int(w * f)))
    return torch.nn.functional.interpolate(maps[None], size=size, mode="area")[0]


def words(said: str | Phrase | None, locale: str) -> str:
    """A Phrase worded in locale; code (a layer's repr) and "" as they are."""
    return said.words(locale) if isinstance(said, Phrase) else said or ""


def draw(view: ExplorerView, opts: ViewOptions, locale: str = "en", figures: bool = True) -> Drawn:
    """Every picture, figure and text of one explorer update, its words in locale; without the figures (the
    histogram, the layer's figure, the window) when `figures` is False, as while a slider is dragged."""
    out = Drawn(input=remembered(INPUT_PICTURES, view.x_u8, (), lambda: for_display(image_grid(view.x_u8, 8))))
    note = draw_output(out, view, opts)
    out.gallery = stage_gallery(view, opts) if view.stages else comparison_gallery(view, opts)
    out.status = status_text(view, words(note, locale), locale)
    if figures:
        draw_figures(out, view, opts, locale)
    return out


def draw_figures(out: Drawn, view: ExplorerView, opts: ViewOptions, locale: str = "en") -> None:
    """The histogram, the layer's own figure and the sliding window, into `out`."""
    out.hist = figs.histogram_figure(sample(view.x), sample(view.output), locale=locale)
    out.layer_plot = layer_plot(view, opts.channel, locale)
    out.slide_plot, out.slide_text = slide_picture(view.slide, opts.step, opts.channel, locale)


def draw_output(out: Drawn, view: ExplorerView, opts: ViewOptions) -> Phrase | None:
    """The output batch and the chosen image's feature maps; the note says how the batch is drawn."""
    y, i = view.output, view.image
    if y.dim() == 2:
        out.output = scores_grid(y, opts.colormap)
        return view.flatten_note
    shown, note = batch_view(y, opts.batch_view, opts.channel)
    out.output = batch_grid(shown, opts.map_scale)
    out.maps = feature_maps_grid(fit_maps(y[i]), opts.map_scale, opts.colormap)
    return note


def comparison_gallery(view: ExplorerView, opts: ViewOptions) -> list:
    """Pooling: the chosen pooling's output beside the other kind's, the first 16 images each."""
    if view.comparison is None:
        return []
    gallery = []
    for name, t in ((view.kind, view.output), view.comparison):
        shown, _ = batch_view(t, "reshape", 0)
        gallery.append((batch_grid(shown[:16], opts.map_scale, 4), f"{name}: {tuple(t.shape)}"))
    return gallery


def stage_gallery(view: ExplorerView, opts: ViewOptions) -> list:
    """Sequential: every stage's output for the chosen image (maps) or the whole batch (numbers)."""
    gallery = []
    for stage in view.stages:
        out = stage.output
        if out.dim() == 4:
            pic = feature_maps_grid(fit_maps(out[view.image], 512), opts.map_scale, opts.colormap)
        else:
            pic = scores_grid(out, opts.colormap)
        gallery.append((pic, f"{stage.name}: {tuple(out.shape)}"))
    return gallery


def picture_uris(drawn: Drawn, kind: str = "png") -> tuple:
    """The pictures inline, as data: URIs (lossless PNGs for the API; WebPs for the page, or JPEG previews while a
    slider is held, PNGs for its colour-mapped pictures: visual.images.ENCODINGS):
    input, output, feature maps (or None) and the gallery's [picture, caption] pairs. Inline, one answer
    carries them all: as files, gradio_client fetched each one after the answer, one request (and one new TLS
    context) per picture."""
    maps = data_uri(drawn.maps, kind) if drawn.maps is not None else None
    gallery = [[cached_uri(pic, kind), caption] for pic, caption in drawn.gallery]
    return cached_uri(drawn.input, kind), cached_uri(drawn.output, kind), maps, gallery


def gallery_html(gallery: list) -> str:
    """Stages or comparisons ([picture URI, caption] pairs) as captioned inline pictures; "" when there are none."""
    if not gallery:
        return ""
    figures = "".join(f'<figure><img src="{uri}" alt="{html.escape(caption)}">'
                      f"<figcaption>{html.escape(caption)}</figcaption></figure>" for uri, caption in gallery)
    return f'<div class="ll-stages">{figures}</div>'


def layer_plot(view: ExplorerView, channel: int, locale: str = "en"):
    """The layer's own figure: a Conv2d kernel, an activation's curve, the numbers or the probabilities."""
    i, layer = view.image, view.layer
    if view.prediction is not None:
        p = view.prediction
        title = (text("explorer.title_softmax", locale, i=i) if view.stages else
                 text("explorer.title_says", locale, i=i, model=p.label, cls=p.classes[int(p.probs[i].argmax())]))
        return figs.probabilities_figure([class_name(c, locale) for c in p.classes], p.probs[i], title, locale)
    if isinstance(layer, torch.nn.Conv2d):
        o = min(channel, view.output.shape[1] - 1)
        bias = None if layer.bias is None else float(layer.bias[o].detach())
        return figs.kernel_figure(layer.weight[o].detach(), bias, o, locale)
    if view.curve is not None:
        return figs.activation_figure(view.kind, *view.curve, sample(view.x, 1500), sample(view.output, 1500),
                                      locale)
    if view.kind == "Linear":
        title = text("explorer.title_values", locale, i=i, n=view.output.shape[1])
        return figs.values_figure(view.output[i], title, locale)
    return None


def stats_table(rows: list[tuple[str | Phrase, dict]], locale: str = "en") -> str:
    """Statistics as a Markdown table; % saturated appears for Sigmoid and Tanh."""
    saturated = any("saturated" in s for _, s in rows)
    head = text("explorer.stats_head_saturated" if saturated else "explorer.stats_head", locale)
    lines = [head, "|---" * (6 + saturated) + "|"]
    for name, s in rows:
        cells = [f"{s[k]:.4g}" for k in ("min", "max", "mean", "std")] + [f"{s['zero']:.1%}"]
        if saturated:
            cells.append(f"{s['saturated']:.1%}" if "saturated" in s else "")
        lines.append(f"| {words(name, locale)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def shape_text(view: ExplorerView, locale: str = "en") -> str:
    """The output-size formula as a code block, its verdict, and why a ceil_mode line subtracts 1."""
    check = view.shape
    if check is None:
        return ""
    h, w = check.real
    verdict = text("explorer.verdict_ok" if check.ok else "explorer.verdict_wrong", locale, h=h, w=w)
    notes = "".join(f"\n\n{note.words(locale)}" for note in check.notes)
    return (text("explorer.output_size", locale) + "\n\n```\n" + "\n".join(check.lines)
            + f"\n```\n{verdict}{notes}")


def stage_table(view: ExplorerView, locale: str = "en") -> str:
    """Sequential: one row per stage with its output shape, parameters and output-size formula."""
    rows = [text("explorer.stage_head", locale)]
    rows += [f"| {s.name} | `{s.layer!r}` | {tuple(s.output.shape)} | "
             f"{sum(p.numel() for p in s.layer.parameters()):,} | {s.size} |" for s in view.stages]
    return "\n".join(rows)


def prediction_table(view: ExplorerView, locale: str = "en") -> str:
    """Linear with a trained model: the first images' predicted class and its probability."""
    p = view.prediction
    top = p.probs.argmax(dim=1)
    rows = [text("explorer.prediction_head", locale)]
    rows += [f"| {j} | {p.classes[top[j]]} | {p.probs[j, top[j]]:.1%} |" for j in range(min(len(top), 8))]
    return "\n".join(rows)


def status_text(view: ExplorerView, note: str, locale: str = "en") -> str:
    """The status Markdown: the layer and shapes, how the output is drawn, formula, statistics, notes."""
    head = text("explorer.status_head", locale, label=words(view.label, locale), input=tuple(view.x.shape),
                output=tuple(view.output.shape), parameters=view.parameters.words(locale))
    if view.stages:
        parts = [head, stage_table(view, locale), note, stats_table(view.stats, locale),
                 text("explorer.chain_gallery", locale)]
    else:
        parts = [head, note, shape_text(view, locale), stats_table(view.stats, locale),
                 *[f"- {n.words(locale)}" for n in view.notes]]
        if view.prediction is not None:
            parts.append(prediction_table(view, locale))
    return "\n\n".join(p for p in parts if p)


def input_text(labels: list[str] | Phrase, locale: str = "en") -> str:
    """What the input is: the batch's first labels (class names), or the upload's name and size (a Phrase)."""
    if isinstance(labels, Phrase):
        return labels.words(locale)
    key = "explorer.labels_more" if len(labels) > 16 else "explorer.labels"
    names = text("explorer.labels_separator", locale).join(class_name(label, locale) for label in labels[:16])
    return text(key, locale, labels=names)


def slide_picture(state: SlideState | None, step: int, channel: int, locale: str = "en"):
    """The figure and the sentence for one step of the window; step wraps around."""
    if state is None:
        return None, text("explorer.slide_none", locale)
    channel = min(max(channel, 0), state.output.shape[0] - 1)
    step = step % state.steps
    r, c = divmod(step, state.output.shape[2])
    value, how = explain_value(state, channel, r, c)
    real = float(state.output[channel, r, c])
    ok = "✓" if abs(value - real) <= 1e-4 * max(1.0, abs(real)) else "✗"
    said = text("explorer.slide_step", locale, step=step + 1, steps=state.steps, r=r, c=c, channel=channel,
                how=how, real=real, ok=ok)
    return slide_figure(state, step, channel, r, c, locale), said


def slide_figure(state: SlideState, step: int, channel: int, r: int, c: int, locale: str = "en"):
    """The padded input around the window (at most CROP x CROP) beside the output around (r, c)."""
    shown = state.padded.mean(0) if state.kind == "Conv2d" else state.padded[channel % state.padded.shape[0]]
    cells = window(state, r, c)
    top, left = crop_origin(shown.shape, cells)
    out_top, out_left = crop_origin(state.output.shape[1:], [(r, c)])
    crop = shown[top:top + CROP, left:left + CROP]
    p = state.p   # image coordinates: the padding sits at -p..-1 and past the last row and column
    cells = [(a - p, b - p) for a, b in cells if top <= a < top + CROP and left <= b < left + CROP]
    out_crop = state.output[channel, out_top:out_top + CROP, out_left:out_left + CROP]
    what = (text("explorer.slide_mean", locale) if state.kind == "Conv2d"
            else text("explorer.slide_channel", locale, channel=channel % state.padded.shape[0]))
    title = text("explorer.slide_title", locale, step=step + 1, steps=state.steps, channel=channel, r=r, c=c,
                 what=what, k=state.k)
    size = (shown.shape[0] - 2 * p, shown.shape[1] - 2 * p)
    return figs.sliding_figure(crop, (top - p, left - p), size, cells, out_crop, (out_top, out_left), (r, c),
                               title, locale)


def crop_origin(shape, cells) -> tuple[int, int]:
    """Top-left corner of a CROP x CROP view that keeps the cells in sight."""
    h, w = shape[-2], shape[-1]
    rows = [a for a, _ in cells]
    cols = [b for _, b in cells]
    top = 0 if h <= CROP else min(max(0, min(rows) - CROP // 3), h - CROP)
    left = 0 if w <= CROP else min(max(0, min(cols) - CROP // 3), w - CROP)
    return top, left
