"""The explorer's plotly figures as plain plotly JSON: building go.Figure objects costs ~12 ms each."""
import math

import numpy as np
import torch

from nets.text import text
from visual.charts import CB_SAFE, Figure, numbers

BLUE, ORANGE, GREEN, RED = CB_SAFE[0], CB_SAFE[1], CB_SAFE[2], CB_SAFE[3]
MARGIN = dict(l=40, r=10, t=40, b=35)


def value_counts(v: torch.Tensor, bins: int) -> tuple[torch.Tensor, np.ndarray]:
    """How many values fall in each of `bins` equal bins between the smallest and the largest: (counts, edges).
    Binned as uint8 and counted by torch: 0.5 ms for 200,000 values, against 3 ms for numpy or torch.histc."""
    lo, hi = (float(m) for m in torch.aminmax(v)) if len(v) else (0.0, 1.0)
    if not (math.isfinite(lo) and math.isfinite(hi)):   # an overflowing kernel: count the values that are numbers
        return value_counts(v[v.isfinite()], bins)
    hi = hi if hi > lo else lo + 1e-6
    index = ((v - lo) * (bins / (hi - lo))).clamp_(max=bins - 1).to(torch.uint8)
    return torch.bincount(index, minlength=bins), np.linspace(lo, hi, bins + 1)


def histogram_figure(before: torch.Tensor, after: torch.Tensor, bins: int = 60, locale: str = "en") -> Figure:
    """Histograms of the layer's input and output values, side by side (counted here, not in the browser)."""
    data = []
    for i, (name, x, colour) in enumerate(((text("explorer.fig_input", locale), before, BLUE),
                                           (text("explorer.fig_output", locale), after, ORANGE))):
        counts, edges = value_counts(x.detach().float().flatten(), bins)
        axis = "" if i == 0 else "2"
        data.append(dict(type="bar", x=numbers((edges[:-1] + edges[1:]) / 2), y=counts.tolist(), name=name,
                         marker=dict(color=colour), xaxis=f"x{axis}", yaxis=f"y{axis}",
                         width=float(edges[1] - edges[0]) if len(edges) > 1 else None))
    # No legend (it covered the panel's label): each panel's axis title says input or output.
    layout = dict(height=260, margin=MARGIN, showlegend=False,
                  xaxis=dict(domain=[0, 0.47], title=dict(text=text("explorer.fig_input_value", locale))),
                  xaxis2=dict(domain=[0.53, 1], title=dict(text=text("explorer.fig_output_value", locale))),
                  yaxis=dict(title=dict(text=text("explorer.fig_count", locale))), yaxis2=dict(anchor="x2"),
                  bargap=0)
    return Figure(data=data, layout=layout)


def activation_figure(name: str, xs, ys, dys, sample_in, sample_out, locale: str = "en") -> Figure:
    """The activation, its derivative, and where the real input values land on it."""
    lo, hi = float(np.asarray(sample_in).min()), float(np.asarray(sample_in).max())
    data = [dict(type="scatter", mode="lines", x=numbers(xs), y=numbers(ys), name=f"{name}(x)",
                 line=dict(color=BLUE, width=3)),
            dict(type="scatter", mode="lines", x=numbers(xs), y=numbers(dys), name=f"{name}'(x)",
                 line=dict(color=ORANGE, dash="dash")),
            dict(type="scattergl", mode="markers", x=numbers(sample_in), y=numbers(sample_out),
                 name=text("explorer.fig_batch_values", locale), marker=dict(color=GREEN, size=4, opacity=0.5))]
    shape = dict(type="rect", xref="x", yref="paper", x0=lo, x1=hi, y0=0, y1=1, fillcolor=GREEN, opacity=0.08,
                 line=dict(width=0))
    layout = dict(height=330, margin=dict(MARGIN, b=85), shapes=[shape],
                  legend=dict(orientation="h", y=-0.3, yanchor="top"),   # below: clear of the panel's label
                  xaxis=dict(title=dict(text=text("explorer.fig_x_range", locale)), zeroline=True),
                  yaxis=dict(title=dict(text=text("explorer.fig_output", locale)), zeroline=True))
    return Figure(data=data, layout=layout)


def kernel_figure(weight: torch.Tensor, bias: float | None, out_channel: int, locale: str = "en") -> Figure:
    """One output channel's kernel, one heatmap per input channel, every weight written in its cell."""
    w = weight.detach().float()                     # (in_channels, k, k)
    shown = w[:8]
    n, k = shown.shape[0], shown.shape[-1]
    limit = float(w.abs().max()) or 1.0
    data, layout = [], dict(height=260 if n <= 4 else 330, margin=MARGIN)
    gap = 0.04
    for i in range(n):
        axis = "" if i == 0 else str(i + 1)
        width = (1 - gap * (n - 1)) / n
        left = i * (width + gap)
        layout[f"xaxis{axis}"] = dict(domain=[left, left + width], showticklabels=False,
                                      title=dict(text=text("explorer.fig_in_channel", locale, i=i),
                                                 font=dict(size=11)))
        layout[f"yaxis{axis}"] = dict(autorange="reversed", showticklabels=False, anchor=f"x{axis}",
                                      scaleanchor=f"x{axis}")
        data.append(dict(type="heatmap", z=numbers(shown[i], 3), xaxis=f"x{axis}", yaxis=f"y{axis}",
                         colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=i == n - 1,
                         texttemplate="%{z:.2f}" if k <= 7 else "",
                         hovertemplate=text("explorer.fig_cell", locale) + "<extra></extra>"))
    more = text("explorer.fig_kernel_more", locale, n=w.shape[0]) if w.shape[0] > 8 else ""
    bias_text = text("explorer.fig_bias", locale, b=bias) if bias is not None else text("explorer.fig_no_bias", locale)
    layout["title"] = dict(text=text("explorer.fig_kernel_title", locale, o=out_channel, more=more, bias=bias_text),
                           font=dict(size=13))
    return Figure(data=data, layout=layout)


def padding_strips(x0: int, y0: int, w: int, h: int, size: tuple[int, int]) -> list[dict]:
    """Shaded rectangles over the padding of a crop whose top-left cell is (y0, x0) in image coordinates."""
    ih, iw = size
    inside = dict(x0=max(x0, 0) - 0.5, x1=min(x0 + w, iw) - 0.5, y0=max(y0, 0) - 0.5, y1=min(y0 + h, ih) - 0.5)
    left, right, top, bottom = x0 - 0.5, x0 + w - 0.5, y0 - 0.5, y0 + h - 0.5
    strips = [(left, right, top, inside["y0"]), (left, right, inside["y1"], bottom),
              (left, inside["x0"], inside["y0"], inside["y1"]), (inside["x1"], right, inside["y0"], inside["y1"])]
    style = dict(type="rect", line=dict(width=0), fillcolor=ORANGE, opacity=0.3, layer="above")
    shapes = [dict(style, x0=a, x1=b, y0=c, y1=d) for a, b, c, d in strips if b > a and d > c]
    edge = dict(type="rect", line=dict(color=BLUE, width=2, dash="dot"), **inside)   # the image's border
    return shapes + [edge] if inside["x1"] > inside["x0"] and inside["y1"] > inside["y0"] else shapes


def window_shapes(cells: list[tuple[int, int]]) -> list[dict]:
    """The window: every tap filled, and one thick outline around all of them."""
    taps = [dict(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color=RED, width=1),
                 fillcolor=RED, opacity=0.45) for r, c in cells]
    if not cells:
        return taps
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    return taps + [dict(type="rect", x0=min(cols) - 0.5, x1=max(cols) + 0.5, y0=min(rows) - 0.5,
                        y1=max(rows) + 0.5, line=dict(color=RED, width=4))]


def cell_hover(which: str, locale: str) -> str:
    """Hover text of a heatmap cell: its row, column and value, and which map it is in."""
    return text("explorer.fig_cell", locale) + f"<extra>{text(which, locale)}</extra>"


def axis(title: str, **more) -> dict:
    """A heatmap axis with whole-number ticks (rows and columns) and its title."""
    return dict(tickformat="d", title=dict(text=title, font=dict(size=11)), **more)


def sliding_figure(crop: torch.Tensor, origin: tuple[int, int], image_size: tuple[int, int],
                   cells: list[tuple[int, int]], out_map: torch.Tensor, out_origin: tuple[int, int],
                   at: tuple[int, int], title: str, locale: str = "en") -> Figure:
    """The kernel's taps on the padded input (left) and the output value they make (right).

    Coordinates are the image's rows and columns: padding sits at -1, -2, ... and past the last row."""
    (y0, x0), (oy, ox) = origin, out_origin
    hp, wp = crop.shape
    ho, wo = out_map.shape
    total = wp + wo + 4
    split = wp / total
    data = [dict(type="heatmap", z=numbers(crop, 3), x=list(range(x0, x0 + wp)), y=list(range(y0, y0 + hp)),
                 colorscale="Greys", reversescale=True, showscale=False,
                 hovertemplate=cell_hover("explorer.fig_input", locale)),
            dict(type="heatmap", z=numbers(out_map, 3), x=list(range(ox, ox + wo)), y=list(range(oy, oy + ho)),
                 colorscale="Viridis", showscale=False, xaxis="x2", yaxis="y2",
                 hovertemplate=cell_hover("explorer.fig_output", locale))]
    shapes = padding_strips(x0, y0, wp, hp, image_size) + window_shapes(cells)
    r, c = at
    shapes.append(dict(type="rect", xref="x2", yref="y2", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                       line=dict(color=RED, width=4)))
    layout = dict(height=400, margin=dict(l=45, r=10, t=40, b=45), shapes=shapes,
                  title=dict(text=title, font=dict(size=13)),
                  xaxis=axis(text("explorer.fig_in_col", locale), domain=[0, split], constrain="domain"),
                  yaxis=axis(text("explorer.fig_in_row", locale), autorange="reversed", scaleanchor="x"),
                  xaxis2=axis(text("explorer.fig_out_col", locale), domain=[split + 4 / total, 1],
                              constrain="domain"),
                  yaxis2=axis(text("explorer.fig_out_row", locale), autorange="reversed", scaleanchor="x2",
                              anchor="x2"))
    return Figure(data=data, layout=layout)


def probabilities_figure(classes, probs: torch.Tensor, title: str, locale: str = "en") -> Figure:
    """Softmax probabilities of one image, one bar per class."""
    data = [dict(type="bar", x=list(classes), y=numbers(probs), marker=dict(color=BLUE),
                 hovertemplate="%{x}: %{y:.1%}<extra></extra>")]
    layout = dict(height=260, margin=MARGIN, title=dict(text=title, font=dict(size=13)),
                  yaxis=dict(range=[0, 1], tickformat=".0%",
                                                  title=dict(text=text("explorer.fig_probability", locale))))
    return Figure(data=data, layout=layout)


def values_figure(values: torch.Tensor, title: str, locale: str = "en") -> Figure:
    """One image's output numbers as bars (the Linear layer's out_features)."""
    v = values.detach().float()
    data = [dict(type="bar", x=list(range(len(v))), y=numbers(v), marker=dict(color=ORANGE))]
    layout = dict(height=260, margin=MARGIN, title=dict(text=title, font=dict(size=13)),
                  xaxis=dict(title=dict(text=text("explorer.fig_feature", locale))))
    return Figure(data=data, layout=layout)
