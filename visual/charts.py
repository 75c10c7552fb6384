"""Plotly figures shared by the tabs."""
import plotly.graph_objects as go

from nets.text import text

CB_SAFE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
           "#56B4E9", "#F0E442", "#000000", "#999999", "#882255"]  # Okabe-Ito, then two more


def class_counts_figure(classes, counts_by_split: dict[str, list[int]], locale: str = "en") -> go.Figure:
    """Bars of images per class, one colour per split ("train", "test": named in locale)."""
    fig = go.Figure()
    for i, (split, counts) in enumerate(counts_by_split.items()):
        fig.add_bar(x=list(classes), y=counts, name=text(f"data.split_{split}", locale), marker_color=CB_SAFE[i])
    fig.update_layout(barmode="group", height=280, margin=dict(l=40, r=10, t=30, b=40),
                      title=text("data.counts", locale), yaxis_title=text("data.counts_axis", locale),
                      legend=dict(orientation="h"))
    return fig
