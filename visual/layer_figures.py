"""The explorer's plotly figures as plain plotly JSON: building go.Figure objects costs ~12 ms each."""
import json

import numpy as np
import torch

from visual.charts import CB_SAFE

BLUE, ORANGE, GREEN, RED = CB_SAFE[0], CB_SAFE[1], CB_SAFE[2], CB_SAFE[3]
MARGIN = dict(l=40, r=10, t=40, b=35)


class Figure(dict):
    """A plotly figure as a dict ({"data": [...], "layout": {...}}); gr.Plot takes anything with to_json()."""

    def to_json(self) -> str:
        return json.dumps(self, allow_nan=False)


def numbers(a, digits: int = 4) -> list:
    """An array as nested lists of rounded floats, with NaN and infinities as None (JSON has neither)."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float64).round(digits)
    return a.tolist() if np.isfinite(a).all() else clean(np.where(np.isfinite(a), a, np.nan).tolist())


def clean(values):
    """Nested lists with NaN replaced by None."""
    if isinstance(values, list):
        return [clean(v) for v in values]
    return None if values != values else values


def histogram_figure(before: torch.Tensor, after: torch.Tensor, bins: int = 60) -> Figure:
    """Histograms of the layer's input and output values, side by side (counted here, not in the browser)."""
    data = []
    for i, (name, x, colour) in enumerate((("input", before, BLUE), ("output", after, ORANGE))):
        v = x.detach().float().flatten().numpy()
        lo, hi = float(v.min()), float(v.max())
        hi = hi if hi > lo else lo + 1e-6
        index = np.minimum(((v - lo) * (bins / (hi - lo))).astype(np.int64), bins - 1)
        counts = np.bincount(index, minlength=bins)     # numpy: see nets.explore.value_stats
        edges = np.linspace(lo, hi, bins + 1)
        axis = "" if i == 0 else "2"
        data.append(dict(type="bar", x=numbers((edges[:-1] + edges[1:]) / 2), y=counts.tolist(), name=name,
                         marker=dict(color=colour), xaxis=f"x{axis}", yaxis=f"y{axis}",
                         width=float(edges[1] - edges[0]) if len(edges) > 1 else None))
    layout = dict(height=260, margin=MARGIN, showlegend=True, legend=dict(orientation="h", y=1.15),
                  xaxis=dict(domain=[0, 0.47], title=dict(text="input value")),
                  xaxis2=dict(domain=[0.53, 1], title=dict(text="output value")),
                  yaxis=dict(title=dict(text="count")), yaxis2=dict(anchor="x2"), bargap=0)
    return Figure(data=data, layout=layout)


def activation_figure(name: str, xs, ys, dys, sample_in, sample_out) -> Figure:
    """The activation, its derivative, and where the real input values land on it."""
    lo, hi = float(np.asarray(sample_in).min()), float(np.asarray(sample_in).max())
    data = [dict(type="scatter", mode="lines", x=numbers(xs), y=numbers(ys), name=f"{name}(x)",
                 line=dict(color=BLUE, width=3)),
            dict(type="scatter", mode="lines", x=numbers(xs), y=numbers(dys), name=f"{name}'(x)",
                 line=dict(color=ORANGE, dash="dash")),
            dict(type="scattergl", mode="markers", x=numbers(sample_in), y=numbers(sample_out),
                 name="the batch's values", marker=dict(color=GREEN, size=4, opacity=0.5))]
    shape = dict(type="rect", xref="x", yref="paper", x0=lo, x1=hi, y0=0, y1=1, fillcolor=GREEN, opacity=0.08,
                 line=dict(width=0))
    layout = dict(height=300, margin=MARGIN, shapes=[shape], legend=dict(orientation="h", y=1.15),
                  xaxis=dict(title=dict(text="input value x (shaded: the range of this batch)"),
                             zeroline=True),
                  yaxis=dict(title=dict(text="output"), zeroline=True))
    return Figure(data=data, layout=layout)


def kernel_figure(weight: torch.Tensor, bias: float | None, out_channel: int) -> Figure:
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
                                      title=dict(text=f"in {i}", font=dict(size=11)))
        layout[f"yaxis{axis}"] = dict(autorange="reversed", showticklabels=False, anchor=f"x{axis}",
                                      scaleanchor=f"x{axis}")
        data.append(dict(type="heatmap", z=numbers(shown[i], 3), xaxis=f"x{axis}", yaxis=f"y{axis}",
                         colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=i == n - 1,
                         texttemplate="%{z:.2f}" if k <= 7 else "",
                         hovertemplate="row %{y}, col %{x}: %{z}<extra></extra>"))
    more = f" (first 8 of {w.shape[0]} input channels)" if w.shape[0] > 8 else ""
    bias_text = f", bias {bias:.4f}" if bias is not None else ", no bias"
    layout["title"] = dict(text=f"weights of output channel {out_channel}{more}{bias_text}",
                           font=dict(size=13))
    return Figure(data=data, layout=layout)


def sliding_figure(padded: torch.Tensor, pad: int, cells: list[tuple[int, int]], out_map: torch.Tensor,
                   at: tuple[int, int], title: str) -> Figure:
    """The kernel's taps on the padded input (left) and the output value they make (right)."""
    hp, wp = padded.shape
    ho, wo = out_map.shape
    total = wp + wo + 2
    split = wp / total
    data = [dict(type="heatmap", z=numbers(padded, 3), colorscale="Greys", reversescale=True,
                 showscale=False, hovertemplate="padded row %{y}, col %{x}: %{z}<extra>input</extra>"),
            dict(type="heatmap", z=numbers(out_map, 3), colorscale="Viridis", showscale=False,
                 xaxis="x2", yaxis="y2", hovertemplate="row %{y}, col %{x}: %{z}<extra>output</extra>")]
    shapes = [dict(type="rect", x0=pad - 0.5, x1=wp - pad - 0.5, y0=pad - 0.5, y1=hp - pad - 0.5,
                   line=dict(color=BLUE, width=2, dash="dot"))]
    shapes += [dict(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                    line=dict(color=RED, width=2),
                    fillcolor=RED, opacity=0.35) for r, c in cells]
    r, c = at
    shapes.append(dict(type="rect", xref="x2", yref="y2", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                       line=dict(color=RED, width=3)))
    layout = dict(height=360, margin=dict(l=10, r=10, t=40, b=10), shapes=shapes,
                  title=dict(text=title, font=dict(size=13)),
                  xaxis=dict(domain=[0, split], showticklabels=False, constrain="domain"),
                  yaxis=dict(autorange="reversed", showticklabels=False, scaleanchor="x"),
                  xaxis2=dict(domain=[split + 2 / total, 1], showticklabels=False, constrain="domain"),
                  yaxis2=dict(autorange="reversed", showticklabels=False, scaleanchor="x2", anchor="x2"))
    return Figure(data=data, layout=layout)


def probabilities_figure(classes, probs: torch.Tensor, title: str) -> Figure:
    """Softmax probabilities of one image, one bar per class."""
    data = [dict(type="bar", x=list(classes), y=numbers(probs), marker=dict(color=BLUE),
                 hovertemplate="%{x}: %{y:.1%}<extra></extra>")]
    layout = dict(height=260, margin=MARGIN, title=dict(text=title, font=dict(size=13)),
                  yaxis=dict(range=[0, 1], tickformat=".0%", title=dict(text="probability")))
    return Figure(data=data, layout=layout)


def values_figure(values: torch.Tensor, title: str) -> Figure:
    """One image's output numbers as bars (the Linear layer's out_features)."""
    v = values.detach().float()
    data = [dict(type="bar", x=list(range(len(v))), y=numbers(v), marker=dict(color=ORANGE))]
    layout = dict(height=260, margin=MARGIN, title=dict(text=title, font=dict(size=13)),
                  xaxis=dict(title=dict(text="output feature")))
    return Figure(data=data, layout=layout)
