"""A run's record: the plain data (losses, per-epoch metrics, no tensors) the UI keeps per run and draws."""
from nets.train.config import TrainConfig


def new_run(cfg: TrainConfig, label: str) -> dict:
    """An empty run record: what the UI keeps per run and draws (plain data, no tensors)."""
    return {"label": label, "config": cfg.to_dict(), "losses": [], "epochs": [], "steps_per_epoch": 0,
            "device": "", "images_per_s": 0.0}


def log_event(run: dict, ev: dict) -> dict:
    """Fold one event from train() into a run record."""
    if ev["event"] == "start":
        run.update(device=ev["device"], device_phrase=ev.get("device_phrase"), steps_per_epoch=ev["steps_per_epoch"],
                   total_steps=ev["total_steps"])
    elif ev["event"] == "step":
        run["losses"].extend(ev["losses"])
        run.update(images_per_s=ev["images_per_s"], eta_s=ev["eta_s"], step=ev["step"], epoch=ev["epoch"],
                   epoch_progress=ev["epoch_progress"], elapsed_s=ev["elapsed_s"])
    elif ev["event"] == "epoch":
        run["epochs"].append({k: v for k, v in ev.items() if k not in ("state_dict", "optimizer_state")})
    return run
