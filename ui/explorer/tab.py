"""The Layer explorer tab: pick a real torch.nn layer and see what it does to real CIFAR-10 images.

One compute call (compute), the page's one handler (show_view: the pictures first, then the figures of the same
update), and the API for programs (explore, through gr.api); then the wiring (build)."""
import inspect
import itertools
import threading
import time
from dataclasses import fields, replace
from functools import partial
from typing import NamedTuple

import gradio as gr
from gradio_client.utils import is_file_obj_with_meta

from nets.builder.layers import SpecError
from nets.builder.spec import normalize_spec
from nets.explorer.chain import CHAIN_PRESETS, chain_lines
from nets.explorer.layer import ACTIVATIONS, one_thread
from nets.explorer.view import ExplorerView, compute_chain, compute_layer
from nets.text import LearnerError
from ui.explorer import layout as explorer_layout
from ui.explorer.inputs import (DEFAULTS, KEPT, Controls, as_bool, grid_text, layer_config, load_input,
                                load_preset_grid, next_seed, receive_upload, view_options)
from ui.explorer.layout import BUILDER_CHAIN
from ui.explorer.pictures import FRAMES, SHOW_PICTURES, shown_pictures
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import current_locale, say
from ui.common.validate import as_choice, as_int, refuse, refused
from ui.common.views import view_of
from visual.explorer import (Drawn, ViewOptions, draw, draw_figures, gallery_html, input_text, picture_uris,
                             slide_picture)

KIND_GROUPS = {"conv": ("Conv2d",), "pool": ("MaxPool2d", "AvgPool2d"), "act": ACTIVATIONS,
               "linear": ("Linear",), "seq": ("Sequential",)}
# /explore's parameters: the controls by name, in the page's order, each defaulting to its starting value; the
# upload (a file, gradio_client.handle_file) last.
API_DEFAULTS = {k: v for k, v in DEFAULTS.items() if k != "upload"}
API_NAMES = (*API_DEFAULTS, "upload")
# In the page: whether a slider is held by the pointer now (being dragged). Not the body's ll-holding class
# (assets/explorer_pictures.js), which stays a moment after the release: an update then is the release's.
HELD = "!!document.querySelector('input[type=range]:active')"
# A whole pass of the animated window over the map, whatever the map's size and however slowly ticks come:
# a slow machine shows fewer frames, not a slower pass.
PASS_SECONDS = 8.0
REFUSAL_BOXES = {"chain": "chain_error", "grid": "grid_error", "status": "status"}   # where a refusal is worded
# Updates are numbered across the process, not per visitor: the page keeps the number whose figures wait
# (figures_due), and a visitor whose state Gradio dropped while the page stayed open starts a new Shown, whose
# numbers must not meet the page's last one again (its change asks for the figures).
UPDATE_NUMBERS = itertools.count(1)
# At most this many explorer updates compute their view and encode its pictures at once, for all visitors: the
# memory of big uploads' views, and the cores. (The page's updates skip Gradio's queue, which held them outside
# its threads, 4 at a time for each event; waiting here, an update holds one of Gradio's 40 threads.)
COMPUTING = threading.BoundedSemaphore(4)
PREVIEW_KIND = "jpeg"   # a held slider's pictures: previews (visual.images.ENCODINGS), the exact ones WebPs
PREVIEW = f"data:image/{PREVIEW_KIND}"


class Computed(NamedTuple):
    """One explorer update computed and drawn, its figures not yet (draw_figures adds them)."""
    view: ExplorerView
    drawn: Drawn
    opts: ViewOptions
    status: str
    code: str
    steps: int               # the sliding window's positions
    grid: str | None         # the kernel grid's text, when the weights are a grid (it follows kernel_size)


def compute(model, controls: dict, stale=lambda: False) -> Computed | None:
    """One explorer update, as the API and the page show it; None when `stale()` says, before it is drawn,
    that a newer update has started (nothing of this one would stay on screen)."""
    c, locale = Controls(**controls), current_locale()
    with one_thread():   # a new batch's draw: torch's pool waited for a busy second core (0.3 ms became up to 6)
        x, labels, loading_code = load_input(c)
    cfg = layer_config(c)
    image, opts = as_int(c.image, say("explorer.image"), 0, 63), view_options(c)
    use_trained = as_bool(c.chain_trained, say("explorer.chain_trained"))
    try:
        with one_thread():
            if cfg.kind == "Sequential":
                view = compute_chain(x, c.chain, cfg.seed, cfg.scale, image, model, use_trained, locale)
            else:
                view = compute_layer(x, cfg, image, model, locale)
            if stale():
                return None
            drawn = draw(view, opts, locale, figures=False)
    except LearnerError as e:   # a layer, kernel, image or Builder refusal, in the visitor's language
        raise refused(e) from None
    except (RuntimeError, ValueError) as e:   # torch refusing a combination the checks did not foresee
        raise refuse("explorer.err.torch", reason=str(e).strip().splitlines()[0][:200]) from None
    status = drawn.status + "\n\n" + input_text(labels, locale)
    steps = view.slide.steps if view.slide is not None else 1
    grid = grid_text(cfg.grid) if cfg.grid is not None else None
    return Computed(view, drawn, opts, status, loading_code + "\n" + view.code, steps, grid)


def with_figures(computed: Computed, step=None, channel=None) -> Drawn:
    """The update's drawing with its histogram, layer figure and window (at `step` and `channel` if given)."""
    opts = computed.opts
    opts = replace(opts, step=opts.step if step is None else step, channel=opts.channel if channel is None else channel)
    with one_thread():
        draw_figures(computed.drawn, computed.view, opts, current_locale())
    return computed.drawn


def received(upload) -> dict | None:
    """/explore's upload: a file gradio_client sent (Gradio has checked it is one of its uploads), decoded."""
    if upload is None:
        return None
    if not is_file_obj_with_meta(upload):   # a bare {"path": ...} would name any file on the server
        raise refuse("explorer.err.upload_lost")
    return receive_upload(upload)


def answer(model, controls: dict) -> tuple:
    """The API's answer: the status, the pictures inline (PNG data: URIs: input, output, feature maps or None, a
    chain's stages or the two poolings as [picture, caption] pairs), the histogram, the layer's figure, the
    window's figure and sentence, the window's last step, the code, and the kernel grid's text ("" unless the
    weights are a grid)."""
    computed = compute(model, controls)
    drawn = with_figures(computed)
    input_png, output_png, maps_png, gallery = picture_uris(drawn)
    return (computed.status, input_png, output_png, maps_png, gallery, drawn.hist, drawn.layer_plot,
            drawn.slide_plot, drawn.slide_text, computed.steps - 1, computed.code, computed.grid or "")


def explore(*values, **controls):
    """API /explore: one explorer update for the controls given by name (answer). Your own image comes as the
    upload (gradio_client.handle_file) with source="upload". A program has no trained model: weights="trained"
    is refused."""
    controls = {**DEFAULTS, **dict(zip(API_NAMES, values)), **controls}   # Gradio passes them in API_NAMES' order
    return answer(None, {**controls, "upload": received(controls["upload"])})


# gr.api reads /explore's parameters from the signature: each control by name with its type and starting value.
API_TYPES = {f.name: f.type for f in fields(Controls)}
explore.__signature__ = inspect.Signature(
    [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value, annotation=API_TYPES[name])
     for name, value in {**API_DEFAULTS, "upload": None}.items()],
    return_annotation=tuple[str, str, str, str | None, list, dict | None, dict | None, dict | None, str, int, str,
                            str])
explore.__annotations__ = {**API_TYPES, "upload": dict | None, "return": explore.__signature__.return_annotation}


class PicturesView(NamedTuple):
    """What an update's first part sets (show_view's "pictures"), each part by its component's role. Every output
    an event sets costs the page a search of its component tree: an event lists only the parts it may set. Build it
    with PicturesView.of(...): a part left out stays as it is (and costs nothing: gradio_hooks.skips_pass_through)."""
    chain_error: object   # a refusal of the chain, beside it
    grid_error: object    # a refusal of the kernel grid, beside it
    status: object
    pictures: object      # {frame id: picture} for the panels' frames (ui/explorer/pictures.py)
    gallery: object       # a chain's stages, or the two poolings
    step: object          # the window's step slider: its maximum
    image: object         # the Image and Channel sliders: what the view has
    channel: object
    slide: object         # the window's state (gr.State), for scrubbing and the animation
    grid: object          # the kernel grid's text (it follows kernel_size)
    figures_due: object   # the update whose figures wait (a hidden value): its change asks for them, so a held
                          # slider's update, which has none, costs no second request

    of = classmethod(view_of)


class FiguresView(NamedTuple):
    """What an update's second part sets (show_view's "figures"); FiguresView.of(...) as PicturesView."""
    hist: object
    layer_plot: object
    code: object
    slide_box: object     # the window's panel: hidden for Linear and the activations
    slide_plot: object
    slide_text: object

    of = classmethod(view_of)


# The whole view in one event (show_view's "whole": another tab's redraw, a language switch).
ExplorerPage = NamedTuple("ExplorerPage", [(name, object) for name in PicturesView._fields + FiguresView._fields])
ExplorerPage.of = classmethod(view_of)


class Shown:
    """One visitor's explorer page: what it shows, and which update is the newest. Every event of the page gets
    this same object (a gr.State holds one value per visitor), so an update still running sees that a newer one
    has started, and leaves the rest of its work (nothing of it would stay on screen); and a slider's release
    lets the update of the value it was held on finish, rather than computing it again."""

    def __init__(self):
        self.parts = {}              # part -> the value on screen, so an unchanged one is not sent again
        self.counts = {}             # the Image and Channel sliders' maxima on screen, and the window's steps
        self.refused = False         # a refusal box shows (the next update that runs clears it)
        self.started = 0             # the newest update's number (UPDATE_NUMBERS)
        self.recorded = 0            # the newest update whose pictures were recorded as shown (fresh)
        self.newest_full = 0         # the newest update that brings its figures (not a held slider's), and its
        self.full_controls = None    # controls
        self.running = {}            # number -> controls of each update still running
        self.held = set()            # the numbers of held sliders' updates
        self.last_drawn = None       # (number, controls, Computed) of the last update that drew its pictures
        self.waiting = None          # (Computed, number): the full update whose pictures are shown, for its figures
        self.lock = threading.RLock()   # re-entered: fresh() asks stale() under it

    def __deepcopy__(self, memo) -> "Shown":
        return Shown()   # each visitor's own (gr.State copies its starting value for each)

    def start(self, moving: bool, controls: dict, again: bool = False) -> int | None:
        """This update's number (in `held` while it is a held slider's); None when it has nothing to draw: a full
        update for the values of the newest update (still running, or done): a held slider's then counts as the full
        one, its figures next. A held slider's update right after the newest full update, for its sliders' values, is
        the one that waited while the slider's release ran (the page keeps `moving` as it was when the value
        changed): it is a full update too (the grid or the step it read may differ from the release's). `again`:
        every part is drawn again regardless."""
        with self.lock:
            full = self.full_controls
            moving = moving and not (self.started == self.newest_full and full is not None and
                                     all(controls.get(name) == full.get(name) for name in KEPT))
            if not again and not moving and self.drawn_by_newest(controls):
                return None
            self.started = next(UPDATE_NUMBERS)
            self.running[self.started] = controls
            if moving:
                self.held.add(self.started)
            else:
                self.newest_full, self.full_controls = self.started, controls
            return self.started

    def drawn_by_newest(self, controls: dict) -> bool:
        """Whether the newest update draws these controls already (a full update's start, under the lock)."""
        newest = self.started
        drawn = self.last_drawn is not None and self.last_drawn[:2] == (newest, controls)
        if self.running.get(newest) != controls and not drawn:
            return False
        if newest != self.newest_full:   # a held slider's update: it becomes the full one, its figures next
            self.newest_full, self.full_controls = newest, controls
            if drawn:
                self.waiting = (self.last_drawn[2], newest)
        return True

    def done(self, n: int, computed: "Computed | None") -> None:
        """Update n has drawn its pictures (None: it has not); a full update's figures wait for the next part."""
        with self.lock:
            controls = self.running.pop(n)
            self.held.discard(n)
            if computed is not None:
                self.last_drawn = (n, controls, computed)
                if n == self.newest_full:
                    self.waiting = (computed, n)

    def stale(self, n: int) -> bool:
        """Whether update n is overtaken: a held slider's by any newer update, a full one by a newer full one."""
        if n in self.held and n != self.newest_full:
            return self.started > n
        return self.newest_full > n

    def drawn_since(self, n: int) -> bool:
        """Whether a newer update than n has drawn its pictures. Until one has, n's pictures show, and so its figures
        are drawn: a newer update still running may yet be refused, and keep n's pictures on the page."""
        return self.last_drawn is not None and self.last_drawn[0] > n

    def shows_preview(self) -> bool:
        """Whether a picture on the page is a held slider's preview (a JPEG): its exact pictures are still to come."""
        with self.lock:
            pictures = [self.parts.get(part) for part in FRAMES]
            return any(picture and picture["src"].startswith(PREVIEW) for picture in pictures) or \
                PREVIEW in (self.parts.get("gallery") or "")

    def running_since(self, n: int) -> bool:
        """Whether an update newer than n is still running (its pictures are to come last)."""
        with self.lock:
            return any(k > n for k in self.running)

    def fresh(self, parts: dict, again: bool = False, stale=lambda: False, n: int | None = None) -> dict | None:
        """The parts that differ from what the page shows (all of them `again`); from now on the page shows them.
        For update n's pictures, None, recording nothing, when a newer update's were recorded, or when `stale()`
        says a newer update has started: asked under the lock that starts updates, so that none starts between the
        answer and the record (the newest pictures must be the last the page gets: a release runs beside the held
        updates that follow it when the hand takes the slider again)."""
        with self.lock:
            if n is not None and (n < self.recorded or stale()):
                return None
            self.recorded = max(self.recorded, n or 0)
            new = {k: v for k, v in parts.items() if again or k not in self.parts or self.parts[k] != v}
            self.parts.update(parts)
            return new


def shown_update(value):
    """A shown part's update: its new value, and the part hidden when it has none."""
    return gr.update(value=value, visible=bool(value))


def within(value, count: int | None, count_shown: int | None):
    """A slider's update for a view with `count` images or channels: its new maximum (sent when it changes), and
    the last one as its value when it holds more; nothing for a view without them (Linear's channels)."""
    if count is None:
        return gr.skip()
    if value > count - 1:
        return gr.update(maximum=max(1, count - 1), value=count - 1)
    return gr.update(maximum=max(1, count - 1)) if count != count_shown else gr.skip()


def shown_parts(shown: Shown, n: int, computed: Computed, again: bool, stale, preview: bool = False) -> dict | None:
    """Update n's status, pictures and gallery that differ from what the page shows; None when, once they are
    encoded, `stale()` says a newer update has started or a newer update's pictures were recorded (Shown.fresh: the
    newest must come last). preview: the pictures as a held slider's preview, the exact ones later
    (exact_pictures)."""
    *uris, gallery = picture_uris(computed.drawn, PREVIEW_KIND if preview else "webp")
    fresh = shown.fresh(dict(status=computed.status, gallery=gallery_html(gallery),
                             **shown_pictures(dict(zip(FRAMES, uris)))), again, stale, n)
    if fresh is None:
        return None
    # The status is never hidden: its plain text, which Gradio hands on as it is, where an update makes it build the
    # component again (~1 ms of CPU each on these cores).
    parts = {name: fresh[name] if name == "status" else shown_update(fresh[name])
             for name in ("status", "gallery") if name in fresh}
    if pictures := {FRAMES[name]: fresh[name] for name in FRAMES if name in fresh}:
        parts["pictures"] = pictures
    return parts


def picture_parts(shown: Shown, n: int, computed: Computed, controls: dict, again: bool, stale, preview: bool = False
                  ) -> dict | None:
    """The pictures' part of the page's update: status, pictures, gallery (shown_parts), the sliders' ranges, the
    window; None when a newer update overtook it (shown_parts)."""
    parts = shown_parts(shown, n, computed, again, stale, preview)
    if parts is None:
        return None
    view, steps, step = computed.view, computed.steps, computed.opts.step
    # The step box keeps its value unless the new map is too small for it: an update computed while the learner
    # typed another step must not put the old one back.
    # Its maximum is sent when it changes (a held out_channels or seed slider keeps it).
    if again or step >= steps or steps != shown.counts.get("steps"):
        parts["step"] = gr.update(maximum=max(1, steps - 1), **({"value": step % steps} if step >= steps else {}))
    # The Image and Channel sliders reach only what the view has, and a value past it becomes the one drawn
    # (Channel 40 of 6 channels: 5), so the box never disagrees with the picture.
    counts = dict(image=view.x.shape[0], channel=view.output.shape[1] if view.output.dim() == 4 else None)
    for name, count in counts.items():
        value = as_int(controls[name], say(f"explorer.{name}"), 0, 1 << 20)
        parts[name] = within(value, count, None if again else shown.counts.get(name))
    shown.counts.update(counts, steps=steps)
    if computed.grid is not None:
        parts["grid"] = computed.grid
    return dict(parts, slide=view.slide)


def figure_parts(shown: Shown, computed: Computed, step, channel, again: bool) -> dict:
    """The figures' part: histogram, the layer's figure and the code (those that changed), and the window at the
    step the box holds now (the learner may have moved it while the pictures came)."""
    step, channel = window_at(step, channel)
    drawn = with_figures(computed, step, channel)
    fresh = shown.fresh(dict(hist=drawn.hist, layer_plot=drawn.layer_plot, code=computed.code), again)
    return dict({name: shown_update(value) for name, value in fresh.items()},
                slide_box=gr.update(visible=computed.view.slide is not None),   # Linear and the activations
                slide_plot=drawn.slide_plot, slide_text=drawn.slide_text)      # have no window


def refusal_place(kind, weights) -> str:
    """Which control a refused update is worded beside: the chain, the kernel grid, or the view's status."""
    return "chain" if kind == "Sequential" else "grid" if kind == "Conv2d" and weights == "grid" else "status"


def show_view(shown: Shown, model=None, kept=None, grid=None, chain=None, step=None, upload=None, *,
              part: str = "pictures", follow_moving: bool = False, again: bool = False):
    """The page's update, in parts: "pictures" (the status and pictures, inline, with what the sliders can reach;
    the figures wait in `shown`), "figures" (the waiting ones: histogram, the layer's figure, the window, the code),
    "whole" (both, as one ExplorerPage), or "exact" (a held slider's preview made exact). Only what changed is sent
    (`again`: everything, as after a language switch). The pictures' part says when figures wait (figures_due),
    and that change asks for the figures' part.

    kept: the layer controls as the page keeps them in one value (build), with `moving`, whether a slider was
    held when the last one changed; `follow_moving`: such an update shows the pictures alone (the browser drew
    three figures an update in 0.1-0.4 s, in which no new picture could show), as a preview (JPEGs: a fifth of
    the bytes the page reads for each picture), and the slider's release brings the exact pictures (a hand that
    rests on the slider gets them sooner: the page asks for "exact") and the rest. A refusal is worded beside the
    control that caused it (the chain, the kernel grid, else in the status) and kept there until an update runs;
    the pictures stay the last that ran."""
    kept = kept if isinstance(kept, dict) else {}
    if part == "exact":   # the hand rests on a held slider (assets/explorer_pictures.js): the preview's exact pictures
        parts = exact_pictures(shown, asked=True)
        if shown.refused:
            parts.pop("status", None)   # a refusal worded there stays
        return PicturesView.of(**parts) if parts else gr.skip()
    if part == "figures":
        with shown.lock:
            waiting, shown.waiting = shown.waiting, None
        if waiting is None or shown.drawn_since(waiting[1]):
            return gr.skip()   # nothing waits, or newer pictures show: their figures come with the release
        return FiguresView.of(**figure_parts(shown, waiting[0], step, kept.get("channel"), again))
    controls = {**{name: kept.get(name) for name in KEPT}, "grid": grid, "chain": chain, "step": step,
                "upload": upload}
    recorded = {k: v for k, v in controls.items() if k != "upload"}   # the controls as Shown records an update
    if any(value is None for name, value in controls.items() if name != "upload") or (again and not shown.parts):
        return gr.skip()   # a number box emptied while the learner types, or no view yet: keep the page
    if controls["source"] == "upload" and not isinstance(upload, dict):
        return gr.skip()   # "Your image" picked before any file: the view waits for it
    view = ExplorerPage if part == "whole" else PicturesView
    n = shown.start(follow_moving and kept.get("moving") is True, recorded, again)
    if n is None:   # drawn, or being drawn, by the newest update: the exact pictures of its preview, if it was a held
        parts = {**exact_pictures(shown, recorded), **figures_due(shown)}   # slider's, and at most its figures wait
        return view.of(**parts) if parts else gr.skip()
    moving = n in shown.held   # a held slider's, as Shown.start saw it
    computed = parts = refusal = None
    try:
        with COMPUTING:
            if not shown.stale(n):   # overtaken while it waited: nothing of it would stay on screen
                computed = compute(model, controls, partial(shown.stale, n))
            if computed is not None:
                parts = picture_parts(shown, n, computed, controls, again, partial(shown.stale, n), preview=moving)
    except gr.Error as e:
        refusal = e.message
    finally:
        shown.done(n, computed if parts is not None else None)
    if refusal is not None:   # the pictures stay the last that ran: exact, if they were a preview
        if shown.stale(n) or n < shown.recorded:
            return gr.skip()   # overtaken: the newer update's pictures and words stay
        exact = exact_pictures(shown)
        with shown.lock:
            shown.refused = True
            shown.parts.pop("status", None)   # the next update's status is sent
        box = REFUSAL_BOXES[refusal_place(kept.get("kind"), kept.get("weights"))]
        return view.of(**{**exact, "status": gr.skip(), box: gr.update(value=f"✗ {refusal}", visible=True)})
    if parts is None:
        return gr.skip()
    if moving and n == shown.newest_full and (exact := exact_pictures(shown)):   # another event asked for these
        parts.update(exact, pictures={**parts.get("pictures", {}), **exact.get("pictures", {})})   # values meanwhile
    if shown.refused:   # else the refusal boxes are left as they are: hidden and empty
        shown.refused = False
        parts.update(chain_error=gr.update(value="", visible=False), grid_error=gr.update(value="", visible=False))
    if part == "whole":
        with shown.lock:
            shown.waiting = None   # drawn here
        parts.update(figure_parts(shown, computed, step, kept.get("channel"), again))
    return view.of(**parts, **figures_due(shown))


def exact_pictures(shown: Shown, recorded: dict | None = None, asked: bool = False) -> dict:
    """The pictures (shown_parts) that replace a held slider's preview with the exact ones, when no newer update is
    still running and the preview draws these controls (as Shown records them; None: whatever it draws); {}
    otherwise. The sliders' ranges came with the preview. `asked`: the page asks, as it shows a preview: all of
    them, whatever was sent last (a held update's preview may reach the page after the release's exact pictures
    of the same value, the two running side by side)."""
    with shown.lock:
        last = shown.last_drawn
    if last is None or (recorded is not None and last[1] != recorded) or not (asked or shown.shows_preview()):
        return {}
    newer = partial(shown.running_since, last[0])
    return {} if newer() else shown_parts(shown, last[0], last[2], asked, newer) or {}


def figures_due(shown: Shown) -> dict:
    """The pictures' part that asks for the figures: the number of the update whose figures wait, if any."""
    with shown.lock:
        return {} if shown.waiting is None else {"figures_due": shown.waiting[1]}


def refused_upload(path):
    """A refused upload: the file box emptied (it must not look accepted) and the refusal kept beside it."""
    try:
        receive_upload(path)
    except gr.Error as e:
        return None, gr.update(value=f"✗ {e.message}", visible=True)
    return gr.skip(), gr.skip()


def upload_image(path):
    """The page's upload: decode it once, keep it in the visitor's state, and switch the input to it."""
    return receive_upload(path), "upload"


def forget_upload():
    """The learner removed their file: forget it and show the CIFAR-10 batch again (the source's change redraws)."""
    return None, "cifar10"


def window_at(step, channel=0) -> tuple[int, int]:
    """The Step and Channel boxes' values, checked in the visitor's language."""
    return as_int(step, say("explorer.step"), 0, 1 << 20), as_int(channel, say("explorer.channel"), 0, 1023)


def step_window(state, step, channel):
    """Redraw the sliding window at another step (or channel) without recomputing the layer."""
    step, channel = window_at(step, channel)
    return slide_picture(state, step, channel, current_locale())


def animation_position(clock, step: int, steps: int, now: float) -> tuple[int, tuple[float, float]]:
    """Where the window should be `now`: (the step to show, the clock for the next tick).

    clock: (time, position) of the last tick, position a fractional step, so that a small map moves too
    when a tick is worth less than a step. A step the learner moved to since then is where the pass goes on."""
    last, position = clock or (now, step)
    if int(position) != step:
        position = step
    position = (position + (now - last) * steps / PASS_SECONDS) % steps
    return int(position), (now, position)


def play(step):
    """Start the animation, its clock at the step on screen."""
    return gr.Timer(active=True), (time.monotonic(), float(step or 0))


def advance(state, step, channel, clock):
    """One animation frame: the window where the pass should be by now (PASS_SECONDS a pass), and its clock."""
    steps = state.steps if state is not None else 1
    step, _ = window_at(step)   # its channel is checked by step_window
    step, clock = animation_position(clock, step, steps, time.monotonic())
    return (step, *step_window(state, step, channel), clock)


def chain_text(choice, arch):
    """The chain text for a preset, or the Builder tab's network."""
    if choice == BUILDER_CHAIN:
        try:
            layers = normalize_spec(arch)
        except SpecError as e:
            raise refused(e) from None
        return "\n".join(chain_lines(layers))
    return CHAIN_PRESETS[as_choice(choice, say("explorer.chain_preset"), tuple(CHAIN_PRESETS))]


def show_groups(kind):
    """Only the chosen layer's controls are visible; the others keep their values."""
    return [gr.update(visible=kind in kinds) for kinds in KIND_GROUPS.values()]


def show_weights(weights):
    """The init seed, the preset (with its copy button) or the grid: only the chosen weights' control."""
    return (gr.update(visible=weights == "default"), gr.update(visible=weights == "preset"),
            gr.update(visible=weights == "grid"))


def show_source(source):
    return gr.update(visible=source == "cifar10"), gr.update(visible=source == "upload")


class Drive(NamedTuple):
    """What another tab needs to set the explorer's controls and redraw it (app.py hands it to the Lessons tab)."""
    kept: gr.JSON         # the layer controls in one value, as the page keeps them
    redraw: tuple         # (fn, inputs, outputs): the whole view for the controls set


def page_values():
    """The tab's values that no one sees, for app.py to build at the top of the page (explorer_layout.page_values)."""
    return explorer_layout.page_values(Shown())


def build(model_state, arch_state, hidden):
    """The Layer explorer tab's components and events (hidden: the tab's page_values, built by app.py): its
    controls by name, what another tab needs to drive it (Drive), and the redraw after a language switch (fn,
    inputs, outputs) for Page.redraw_on_switch."""
    ui = explorer_layout.layout(hidden)
    values = {name: getattr(ui, "upload_state" if name == "upload" else name) for name in DEFAULTS}
    pictures = list(PicturesView(
        chain_error=ui.chain_error, grid_error=ui.grid_error, status=ui.status, pictures=ui.pictures,
        gallery=ui.gallery_box, step=ui.step, image=ui.image, channel=ui.channel, slide=ui.slide_state, grid=ui.grid,
        figures_due=ui.figures_due))
    figure_outputs = list(FiguresView(hist=ui.hist_plot, layer_plot=ui.layer_plot, code=ui.code,
                                      slide_box=ui.slide_box, slide_plot=ui.slide_plot, slide_text=ui.slide_text))
    page = list(ExplorerPage(*pictures, *figure_outputs))
    hidden = dict(queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    ui.kind.change(show_groups, ui.kind, [ui.conv_group, ui.pool_group, ui.act_group, ui.linear_group, ui.seq_group],
                   **hidden)
    ui.source.change(show_source, ui.source, [ui.cifar_group, ui.upload_group], **hidden)
    ui.weights.change(show_weights, ui.weights, [ui.init_seed, ui.preset_row, ui.grid], **hidden)
    # .change: a slider's value however it moved (dragged, typed, arrow keys, reset, set by another tab).
    # Before sending an event, Gradio's page reads each of its inputs and touches each of its triggers, every
    # one a search of the page's component tree (415 nodes): with every control an input (38 in all) and 36
    # triggers, 52 ms passed between releasing a slider and the request (now 14). So each control's change
    # copies its value into `kept` inside the page (no request), with whether a slider is held, and a change
    # of `kept` is the update's trigger.
    for name in KEPT:
        values[name].change(None, [values[name], ui.kept], ui.kept, **HIDDEN_PROGRESS,
                            js=f"(value, kept) => ({{...kept, {name}: value, moving: {HELD}}})",
                            api_visibility="private")
    sliders = [values[name] for name in KEPT if isinstance(values[name], gr.Slider)]
    # preprocess=False: values reach the handler as sent, so out-of-range ones get its sentences naming the
    # control (Gradio's own check says only "Value 0 is less than minimum value 1."). Uploaded files are still
    # moved into Gradio's cache and checked before the handler sees their path. postprocess=False: the parts go
    # to the page as made (text, the pictures' JSON, updates), not each through a worker thread of Gradio's.
    #
    # Not through Gradio's queue: the page sends an event's next update only once the last has come back, so a
    # visitor has few at a time anyway, and a queued update costs the page a stream of status messages (joined,
    # estimated, started, done) where a direct one has its answer alone. A dragging hand, a new batch each drag,
    # side by side: the released value's exact picture 169 -> 105 ms median at a flick, pictures while held 8.6 ->
    # 11.0/s (benchmarks/explorer_browser.py, issue 28). COMPUTING bounds how many compute at once. (/explore, for
    # programs, waits in the queue.)
    view = dict(inputs=[ui.shown_state, model_state, ui.kept, ui.grid, ui.chain, ui.step, ui.upload_state],
                outputs=pictures, **HIDDEN_PROGRESS, api_visibility="private", preprocess=False, postprocess=False,
                queue=False, trigger_mode="always_last")
    # The controls' update, the newest values waiting while one runs (always_last): a held slider's brings its
    # pictures. A slider's release is an event of its own, sent at once beside a held update still running (a
    # change of `kept` would wait for it, and each event costs the page 30-50 ms of its main thread): it asks for the
    # full update, overtakes the held updates of other values (Shown.stale), and makes one of the same value the
    # full update, as it does the held update that waited meanwhile (Shown.start). The grid, the chain and the tab
    # are other events too, each trigger costing every update of the page a search of its component tree.
    ui.kept.change(partial(show_view, follow_moving=True), **view)
    gr.on([slider.release for slider in sliders], show_view, **view)
    gr.on([ui.grid.blur, ui.grid.submit, ui.chain_button.click, ui.tab.select], show_view, **view)
    # The figures come just after the pictures they go with, so drawing them never holds up a picture; asked for
    # only when some wait (a held slider's update has none). They read only what they need: each input costs the
    # page a search of its component tree.
    ui.figures_due.change(partial(show_view, part="figures"), ui.shown_state, figure_outputs,
                          inputs_kwargs=dict(kept=ui.kept, step=ui.step), **HIDDEN_PROGRESS,
                          api_visibility="private", preprocess=False, queue=False, trigger_mode="always_last")
    ui.pictures.change(None, ui.pictures, None, js=SHOW_PICTURES, **HIDDEN_PROGRESS, api_visibility="private")
    # The page clicks this unseen button when the hand rests on a held slider: the exact pictures of its preview.
    ui.exact_button.click(partial(show_view, part="exact"), ui.shown_state, pictures, **HIDDEN_PROGRESS,
                          api_visibility="private", preprocess=False, postprocess=False, queue=False)
    with ui.tab:   # inside the tab: gr.api's parameters are components, and gr.Tabs takes only tabs
        gr.api(explore, api_name="explore")
    ui.shuffle_button.click(next_seed, ui.seed, ui.seed, **hidden)   # seed.change redraws
    uploaded = ui.upload.upload(upload_image, ui.upload, [ui.upload_state, ui.source], api_name="explorer_upload",
                                **HIDDEN_PROGRESS, preprocess=False)
    uploaded.success(show_view, **view)
    uploaded.success(lambda: gr.update(value="", visible=False), None, ui.upload_error, **hidden)
    uploaded.failure(refused_upload, ui.upload, [ui.upload, ui.upload_error], **HIDDEN_PROGRESS,
                     api_visibility="private", preprocess=False)
    ui.upload.clear(forget_upload, None, [ui.upload_state, ui.source], **hidden)
    ui.load_grid_button.click(load_preset_grid, [ui.preset, ui.kernel_size], [ui.grid, ui.weights],
                              api_name="explorer_preset_grid", preprocess=False)
    ui.chain_preset.change(chain_text, [ui.chain_preset, arch_state], ui.chain, api_name="explorer_chain_preset",
                           preprocess=False).then(show_view, **view)
    # Scrubbing: every value the step slider passes through while dragged, typed or stepped by arrow keys.
    gr.on([ui.step.input, ui.step.release], step_window, [ui.slide_state, ui.step, ui.channel],
          [ui.slide_plot, ui.slide_text], api_name="explorer_step", **HIDDEN_PROGRESS,
          trigger_mode="always_last", preprocess=False)
    ui.timer.tick(advance, [ui.slide_state, ui.step, ui.channel, ui.clock_state],
                  [ui.step, ui.slide_plot, ui.slide_text, ui.clock_state], **HIDDEN_PROGRESS,
                  api_visibility="private", preprocess=False)
    ui.play_button.click(play, ui.step, [ui.timer, ui.clock_state], **hidden)
    ui.pause_button.click(lambda: gr.Timer(active=False), None, ui.timer, **hidden)
    whole = partial(show_view, part="whole")
    drive = Drive(ui.kept, (whole, view["inputs"], page))
    return values, drive, (partial(whole, again=True), view["inputs"], page)
