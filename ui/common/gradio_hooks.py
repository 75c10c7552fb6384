"""Every place LayerLab reaches past Gradio's public API, each with what it gains. Checked against Gradio 6.31.0
(requirements.txt pins 6.31.x); tests/test_gradio_hooks.py fails when one of them no longer attaches.

- the request being handled, read from Gradio's context: say() words a message in the caller's language from any
  depth of a handler, where the public way is a gr.Request parameter passed down every call;
- text marked while the page is built (Gradio's own I18nData, what gr.I18n() returns) and found again in each
  component's properties: the server writes the page in the visitor's language. gr.I18n translates in the browser
  only the words built into the page, by the browser's or the settings' language: not LayerLab's header switch,
  and not what the server writes (statuses, charts, refusals, the API's messages);
- a closed tab's gr.State dropped within minutes instead of Gradio's hour (the visitor's model is large);
- each event's progress reported to what shows it (public: show_progress_on=, set where each event is defined;
  HIDDEN_PROGRESS for hidden progress), and the page script assets/progress.html (in the page's <head>), which
  stops Gradio's page keeping finished events' inputs. Both measured (benchmarks/language_switch.py: the app with
  and without each, taking turns, 3 switches each way, load 10-12 on 2 cores): without the first, a language
  switch's chain of redraws takes 9.3-9.6 s instead of 2.2-2.3 s and Gradio's round trip after it 878 ms instead
  of 75 ms; without the page script 3.3-4.3 s and 189 ms;
- each event's values checked before Gradio's own check of an upload's or a table's value (pydantic's English
  "1 validation error for FileData", even with preprocess=False), with the request in hand: ui/common/prechecks.py words
  the refusal in the caller's language (tests/test_prechecks.py fails when it no longer attaches);
- the files sent to the events that wait in Gradio's queue or run, which the cache cap keeps (ui/common/tempfiles.py;
  tests/test_cache_cap.py fails when they are no longer found);
- Gradio's queue summary for its monitoring page recomputed once a million events instead of after each
  (rare_queue_summary);
- an output an event leaves as it is (gr.skip()) handed to the page as it is, without Gradio building its
  component again (skips_pass_through).
"""
import os
from copy import copy

import gradio as gr
from gradio.blocks import convert_component_dict_to_list
from gradio.context import LocalContext
from gradio.i18n import I18nData

GRADIO_CHECKED = "6.31.0"
Marked = I18nData   # a text marked while the page is built: Gradio keeps it in the component as it is, or as a string


def request_in_hand() -> gr.Request | None:
    """The request of the event being handled in this thread (None outside an event)."""
    return LocalContext.request.get(None)


def marked_properties(block, is_marked) -> dict[str, object]:
    """Every property of a built component whose value is_marked finds a marked text in."""
    return {name: value for name, value in vars(block).items() if not name.startswith("_") and is_marked(value)}


def set_property(block, name: str, value) -> None:
    """Write a built component's property before the page is first sent (the language's first words)."""
    setattr(block, name, value)


def drop_closed_state(request: gr.Request, after_s: float) -> bool:
    """Gradio's sweep (every second) drops the closed session's gr.State after_s seconds after its last update,
    instead of an hour; whether the session was found. (gr.State(time_to_live=...) counts from the last update
    whether the tab is open or not: it would take the model from a visitor still reading the page.)"""
    state = request.request.app.state_holder.session_data.get(request.session_hash)
    if state is None:
        return False
    state.STATE_TTL_WHEN_CLOSED = after_s
    return True


# Gradio's page keeps the loading status of every component that has been a progress target of an event (all
# of its outputs, unless show_progress_on names some) and refreshes each of them on every status message of
# every later event, copying its props and redrawing it, even where the progress is hidden. The language switch
# has nearly every component as an output. So an event with hidden progress names the sink below (the same
# component for every such event), and one whose outputs include states names the outputs a learner sees.
# The page script assets/progress.html, the one place LayerLab changes Gradio's page: Gradio 6's page
# also keeps, from its last status message on, every INPUT of every event that has run (the status "closed"
# marks them as stream inputs): the explorer's 25 controls, then every other tab's. Each later status message
# walks the page's component tree once per kept component (1,300 walks per slider update, 76 kept). LayerLab
# streams no input, so inputs that were never streaming are not kept. The class is found by its method (its file
# name and export change with every Gradio build); without it the page works as before, only slower, and
# tests/test_progress.py fails.
# One invisible component for every page app.py builds (app.py renders it into each); made once so that the tabs
# name it where they define an event, without it passed to every tab.
PROGRESS_SINK = gr.HTML(visible=False, elem_id="progress-sink", render=False)
HIDDEN_PROGRESS = dict(show_progress="hidden", show_progress_on=[PROGRESS_SINK])   # an event's keywords


def check_before_gradio(demo: gr.Blocks, check) -> None:
    """check(fn, inputs, request) runs before each event's values reach Gradio's conversion (Blocks.process_api
    validates an upload or a table against its data model there, before any handler, with no hook in between);
    not for a generator's next step (no values sent), a batch, or the app called as a function (no visitor)."""
    process_api = demo.process_api

    async def checked(block_fn, inputs, *args, **kwargs):
        fn = demo.fns[block_fn] if isinstance(block_fn, int) else block_fn
        request = kwargs.get("request", args[1] if len(args) > 1 else None)
        if not fn.batch and not kwargs.get("iterator") and not kwargs.get("explicit_call"):
            check(fn, inputs, request[0] if isinstance(request, list) else request)
        return await process_api(block_fn, inputs, *args, **kwargs)
    demo.process_api = checked


def api_inputs(fn) -> list:
    """An event's inputs as an API caller sends them: the visitor's gr.State values are Gradio's to fill in."""
    return [block for block in fn.inputs if not block.skip_api]


def component_values(fn, inputs: list) -> list[tuple]:
    """(component, value sent) for each input of an event that is a component's own value (not a gr.State, not a
    component's property sent as an input)."""
    return [(block, value) for i, (block, value) in enumerate(zip(fn.inputs, inputs))
            if i not in fn.component_prop_inputs and not block.stateful]


def sent_to_events(app) -> list:
    """The values sent to every event waiting in Gradio's queue or running (Queue.event_ids_to_events holds each
    from its join until it ends); app: the ASGI app in a request's scope."""
    queue = getattr(app.get_blocks(), "_queue", None) if hasattr(app, "get_blocks") else None
    events = list(getattr(queue, "event_ids_to_events", {}).values())
    return [event.data.data for event in events if getattr(event.data, "data", None) is not None]


# After every queued event Gradio's queue recomputes the summary its /monitoring page shows: a pandas table of the
# last 10,000 events grouped by function, with percentiles, 16-22 ms of CPU on these 2 cores (100 to 10,000
# events), while the next event waits for the cores: after each /explore call, each tick of the explorer's
# animated window, each step scrubbed.
# GRADIO_ANALYTICS_CACHE_FREQUENCY (Gradio's own tests set it) says after how many events; read when the queue is
# made. The summary is only read by /monitoring, which no LayerLab page uses.
def rare_queue_summary() -> None:
    """The queue's monitoring summary recomputed once a million events (unless the environment says otherwise)."""
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000")


# Gradio turns each output an event returns as gr.skip() into a property update: it builds the component again
# from its arguments, reads its configuration twice (inspect.signature of every class in its hierarchy) and sends
# the page {"__type__": "update"}, what it got. A held explorer slider's picture skips 6 of its 11 outputs (the
# refusal boxes, the gallery, the Image and Channel sliders, the kernel grid): passed through, Gradio's 8.0 ms for
# the picture became 4.5 (in-process, before the explorer's postprocess=False), while the browser waited for it;
# a language switch's redraws skip dozens. And for a gr.State output, kept on the server, Gradio sends the page
# null, which the page sets as the state's value (it never holds another) after a search of its component tree
# (every output the page sets costs one); the update that changes nothing costs the page nothing.
SKIP = gr.skip()


def skips_pass_through(demo: gr.Blocks) -> None:
    """An event's skipped outputs go to the page as the update they are, and its gr.State outputs (kept by Gradio
    as before) as an update that changes nothing; Gradio processes the other outputs as it would
    (Blocks.postprocess_data, per instance, as check_before_gradio)."""
    postprocess_data = demo.postprocess_data

    async def passing_skips(block_fn, predictions, state):
        outputs = block_fn.outputs
        if block_fn.batch or block_fn.is_validator_function or len(outputs) < 2:
            return await postprocess_data(block_fn, predictions, state)
        if isinstance(predictions, dict):   # one gr.skip() for every output, or values by component (Gradio's own)
            predictions = [SKIP] * len(outputs) if predictions == SKIP else \
                convert_component_dict_to_list(list(outputs), predictions) if predictions else predictions
        if not isinstance(predictions, (list, tuple)) or len(predictions) != len(outputs):
            return await postprocess_data(block_fn, predictions, state)
        stateful = [block.stateful for block in outputs]
        skipped = [not kept and isinstance(value, dict) and value == SKIP   # (an array's == is an array)
                   for kept, value in zip(stateful, predictions)]
        if not any(stateful) and not any(skipped):
            return await postprocess_data(block_fn, predictions, state)
        rest = [i for i in range(len(outputs)) if not skipped[i]]
        values = []
        if rest:
            part = copy(block_fn)
            part.outputs = [outputs[i] for i in rest]
            # one output is given as its value, several as a list (Gradio's own convention)
            values = await postprocess_data(part, [predictions[i] for i in rest] if len(rest) > 1
                                            else predictions[rest[0]], state)
        done = dict(zip(rest, values))
        return [dict(SKIP) if skipped[i] or stateful[i] else done[i] for i in range(len(outputs))]
    demo.postprocess_data = passing_skips
