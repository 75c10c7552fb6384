"""Plotly figures shared by the tabs, and figures as plain plotly JSON (building go.Figure objects costs
~12 ms each: the explorer and the live training charts are redrawn at every update)."""
import json

import numpy as np
import plotly.graph_objects as go
import torch

from nets.text import text

CB_SAFE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
           "#56B4E9", "#F0E442", "#000000", "#999999", "#882255"]  # Okabe-Ito, then two more


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


def class_counts_figure(classes, counts_by_split: dict[str, list[int]], locale: str = "en") -> go.Figure:
    """Bars of images per class, one colour per split ("train", "test": named in locale)."""
    fig = go.Figure()
    for i, (split, counts) in enumerate(counts_by_split.items()):
        fig.add_bar(x=list(classes), y=counts, name=text(f"data.split_{split}", locale), marker_color=CB_SAFE[i])
    fig.update_layout(barmode="group", height=280, margin=dict(l=40, r=10, t=30, b=40),
                      title=text("data.counts", locale), yaxis_title=text("data.counts_axis", locale),
                      legend=dict(orientation="h"))
    return fig
