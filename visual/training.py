"""Plotly figures of a training run: live loss, test metrics per epoch, run overlays, confusion matrix."""
import numpy as np
import plotly.graph_objects as go

from nets.text import class_name, text
from visual.charts import CB_SAFE, Figure, numbers

MAX_POINTS = 2000      # longer loss curves are thinned for the browser (the smoothing uses every step)
SMOOTHING = 0.9        # weight of the past in the smoothed loss, as TensorBoard's slider
MARGIN = dict(l=50, r=10, t=100, b=40)   # room above the plot for the title, and under it two rows of legend
# The title at the top of the figure, the legend just above the plot: they never overlap (issue 12).
TOP = dict(y=0.98, yanchor="top")
LEGEND = dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right")
EMPTY_AXIS = dict(rangemode="nonnegative")   # an empty chart's axes start at 0, not at -1
# A right-hand axis takes the room its ticks and title need: in the 10 px margin "100" showed as "10", its ticks
# over the title (issue 25).
RIGHT_AXIS = dict(automargin=True)


def smooth(values, weight: float = SMOOTHING) -> list[float]:
    """Debiased exponential moving average (TensorBoard's smoothing)."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight ** i))
    return out


def loss_figure(losses: list[float], steps_per_epoch: int = 0, locale: str = "en") -> Figure:
    """Train loss per step, raw (faint) and smoothed, with the epoch boundaries marked. Plain plotly JSON:
    redrawn about once a second while a run trains, in the same process (go.Figure took 7% of its speed)."""
    stride = -(-len(losses) // MAX_POINTS) or 1
    steps = list(range(1, len(losses) + 1, stride))
    data = [dict(type="scatter", x=steps, y=numbers(losses[::stride]), mode="lines",
                 name=text("train.legend_loss", locale), line=dict(color=CB_SAFE[5], width=1), opacity=0.45),
            dict(type="scatter", x=steps, y=numbers(smooth(losses)[::stride]), mode="lines",
                 name=text("train.legend_smoothed", locale), line=dict(color=CB_SAFE[0], width=2.5))]
    shapes = [dict(type="line", xref="x", yref="paper", x0=e, x1=e, y0=0, y1=1,
                   line=dict(color="#bbb", width=1, dash="dot"))
              for e in range(steps_per_epoch, len(losses) + 1, steps_per_epoch or len(losses) + 1)]
    layout = dict(shapes=shapes, title=dict(text=text("train.chart_loss", locale), **TOP), height=340,
                  margin=MARGIN, legend=LEGEND,
                  xaxis=dict(title=dict(text=text("train.axis_step", locale)), **EMPTY_AXIS),
                  yaxis=dict(title=dict(text=text("train.axis_loss", locale)), **EMPTY_AXIS),
                  uirevision="loss")   # keeps the learner's zoom while the chart updates
    return Figure(data=data, layout=layout)


def epoch_figure(epochs: list[dict], locale: str = "en") -> Figure:
    """Test loss (left axis) and train/test accuracy (right axis) after each epoch."""
    x = [e["epoch"] for e in epochs]
    line = dict(type="scatter", x=x, mode="lines+markers")
    data = [dict(line, y=numbers([e["test_loss"] for e in epochs]), name=text("train.legend_test_loss", locale),
                 line=dict(color=CB_SAFE[3])),
            dict(line, y=numbers([100 * e["test_acc"] for e in epochs]), yaxis="y2",
                 name=text("train.legend_test_acc", locale), line=dict(color=CB_SAFE[2])),
            dict(line, y=numbers([100 * e["train_acc"] for e in epochs]), yaxis="y2",
                 name=text("train.legend_train_acc", locale), line=dict(color=CB_SAFE[2], dash="dot"))]
    layout = dict(title=dict(text=text("train.chart_epochs", locale), **TOP), height=340, margin=MARGIN,
                  uirevision="epochs", legend=LEGEND,
                  xaxis=dict(title=dict(text=text("train.axis_epoch", locale)), dtick=1, **EMPTY_AXIS),
                  yaxis=dict(title=dict(text=text("train.legend_test_loss", locale)), **EMPTY_AXIS),
                  yaxis2=dict(title=dict(text=text("train.axis_accuracy", locale)), overlaying="y", side="right",
                              range=[0, 100], **RIGHT_AXIS))
    return Figure(data=data, layout=layout)


def overlay_figure(runs: list[dict], titles: list[str] = (), locale: str = "en") -> go.Figure:
    """Smoothed train loss and test accuracy of several runs on shared axes; titles name them (default: labels)."""
    fig = go.Figure()
    for i, (run, title) in enumerate(zip(runs, titles or [r["label"] for r in runs])):
        color = CB_SAFE[i % len(CB_SAFE)]
        per_epoch = max(1, run.get("steps_per_epoch", 1))
        x = [s / per_epoch for s in range(1, len(run["losses"]) + 1)]
        fig.add_scatter(x=x, y=smooth(run["losses"]), mode="lines", name=title, legendgroup=title,
                        line=dict(color=color))
        fig.add_scatter(x=[e["epoch"] for e in run["epochs"]], y=[100 * e["test_acc"] for e in run["epochs"]],
                        mode="lines+markers", yaxis="y2", legendgroup=title, showlegend=False,
                        line=dict(color=color, dash="dot"), name=text("train.legend_run_acc", locale, label=title))
    fig.update_layout(title=text("train.chart_overlay", locale), height=380, margin=MARGIN,
                      xaxis=dict(title=text("train.axis_epoch", locale), **EMPTY_AXIS),
                      yaxis=dict(title=text("train.axis_train_loss", locale), **EMPTY_AXIS),
                      yaxis2=dict(title=text("train.axis_test_acc", locale), overlaying="y", side="right",
                                  range=[0, 100], **RIGHT_AXIS),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def confusion_figure(confusion, classes, locale: str = "en") -> go.Figure:
    """Counts of (true class, predicted class) as a heatmap; the diagonal holds the right answers."""
    m, names = np.asarray(confusion), [class_name(c, locale) for c in classes]
    fig = go.Figure(go.Heatmap(z=m, x=names, y=names, colorscale="Blues", text=m, texttemplate="%{text}",
                               hovertemplate=text("train.hover_confusion", locale) + "<extra></extra>"))
    fig.update_layout(title=text("train.chart_confusion", locale), height=420, margin=MARGIN,
                      xaxis_title=text("train.axis_predicted", locale),
                      yaxis=dict(title=text("train.axis_true", locale), autorange="reversed"))
    return fig


def per_class_figure(per_class_acc, classes, locale: str = "en") -> go.Figure:
    """Test accuracy of each class as bars."""
    fig = go.Figure(go.Bar(x=[class_name(c, locale) for c in classes], y=[100 * a for a in per_class_acc],
                           marker_color=CB_SAFE[0], text=[f"{100 * a:.0f}%" for a in per_class_acc],
                           textposition="outside"))
    fig.update_layout(title=text("train.chart_per_class", locale),
                      yaxis=dict(title=text("train.axis_accuracy", locale), range=[0, 105]),
                      height=320, margin=MARGIN)
    return fig


def live_figures(run: dict, locale: str = "en") -> tuple[Figure, Figure]:
    """The two charts the Training tab redraws while a run streams."""
    return loss_figure(run["losses"], run.get("steps_per_epoch", 0), locale), epoch_figure(run["epochs"], locale)
