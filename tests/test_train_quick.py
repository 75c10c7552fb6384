"""The Training tab's quick first run: a valid run, and its button sets exactly the controls it names."""
import gradio as gr

from nets.text import TRANSLATIONS
from nets.train.config import QUICK_RUN, TrainConfig, check_config
from tests.test_train_browser import in_browser, open_training
from ui.training import tab as training_tab


def test_the_quick_run_is_a_valid_config_of_the_tabs_controls():
    cfg = check_config(TrainConfig(**QUICK_RUN), n_train=50_000)
    assert set(QUICK_RUN) <= set(training_tab.CONTROL_NAMES)
    # a fifth of the images the defaults train on, at most (their 10 epochs: 13 minutes on a 2-core CPU)
    assert cfg.epochs * (cfg.train_images // cfg.batch_size) * cfg.batch_size <= TrainConfig().epochs * 50_000 / 5
    assert not cfg.augment and cfg.test_images == 0   # scored on all 10,000 test images


def test_the_quick_run_button_sets_the_controls_the_preset_names():
    with gr.Blocks() as demo:
        training_tab.build(gr.State(None), gr.State(None))
    [event] = [fn for fn in demo.fns.values() if fn.fn is training_tab.quick_preset]
    assert [block.label.key for block in event.outputs] == [f"train.{name}" for name in QUICK_RUN]
    assert training_tab.quick_preset() == tuple(QUICK_RUN.values())


def test_the_learner_sees_the_quick_runs_time_and_one_click_sets_it(app_url):
    def press_quick(browser):
        page = open_training(browser, app_url)
        button = page.locator("#train-quick")
        button.get_by_text("here)").wait_for(timeout=30_000)   # "Quick first run (about 1 min here)"
        label = button.inner_text()
        button.click()
        page.locator("#train-plan").get_by_text("312 steps").wait_for(timeout=30_000)   # 2 × 40,000 // 256
        settings = [page.get_by_label(name).first.input_value() for name in ("Epochs", "Learning rate")]
        augment = page.get_by_label("Augmentation").is_checked()
        page.locator("#language").get_by_text("中文", exact=True).click()
        button.get_by_text("这台机器").wait_for(timeout=30_000)   # the estimate is redrawn in Chinese
        return label, settings, augment, button.inner_text()
    label, settings, augment, chinese = in_browser(press_quick)
    assert label.startswith("Quick first run (about ")
    assert settings == ["2", "0.003"] and not augment
    assert chinese.startswith(TRANSLATIONS["zh-CN"]["train.quick"])
