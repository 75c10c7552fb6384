"""The sliding window's animation steps by the time passed: a pass takes PASS_SECONDS however slowly ticks come."""
import time

import pytest

import torch

from nets.explorer.view import compute_layer
from ui.explorer.inputs import DEFAULTS, Controls, layer_config
from ui.explorer.tab import PASS_SECONDS, advance, animation_position, play


def ticks(every: float, steps: int, start: int = 0) -> list[tuple[float, int]]:
    """(time, step shown) of each tick, `every` seconds apart from play, until the window comes round again."""
    clock, step, now, shown = (0.0, float(start)), start, 0.0, []
    while len(shown) < 2 or shown[-1][1] >= shown[-2][1]:
        now += every
        step, clock = animation_position(clock, step, steps, now)
        shown.append((now, step))
    return shown


@pytest.mark.parametrize("every", [0.2, 0.45, 1.0, 1.7])
def test_a_pass_takes_the_same_time_however_slowly_ticks_come(every):
    shown = ticks(every, 1024)
    wrapped_at = shown[-1][0]
    assert PASS_SECONDS <= wrapped_at < PASS_SECONDS + every, "the window came round when a pass was due"
    assert len(shown) == pytest.approx(PASS_SECONDS / every, abs=1), "a slow machine drops frames"
    assert all(abs(step - now * 1024 / PASS_SECONDS) < 1 for now, step in shown[:-1]), "each at its due step"


def test_a_small_map_moves_although_a_tick_is_worth_less_than_a_step():
    shown = [step for _, step in ticks(0.2, 16)]
    assert sorted(set(shown)) == list(range(16)), "every step of a 4x4 map is shown in a pass"


def test_a_step_the_learner_moves_to_is_where_the_pass_goes_on():
    _, clock = animation_position((0.0, 0.0), 0, 1024, 1.0)      # the animation at step 128
    step, _ = animation_position(clock, 700, 1024, 1.5)          # the learner dragged the slider to 700
    assert step == 700 + 64


def test_the_page_animates_a_real_window_from_the_step_play_started_at():
    images = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)   # the default Conv2d(3, 6, 3, padding=1)
    state = compute_layer(images, layer_config(Controls(**DEFAULTS))).slide
    _, clock = play(500)
    time.sleep(0.5)
    step, figure, text, clock = advance(state, 500, 0, clock)
    assert state.steps == 1024 and 500 + 64 <= step < 500 + 128, "half a second: 64 steps and a little more"
    assert f"Step {step + 1} of 1024" in text and clock[1] == pytest.approx(step, abs=1)
