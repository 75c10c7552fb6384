"""Issue 6 figures: every API endpoint attacked with hostile input (out-of-range numbers, wrong types,
missing fields, huge and malformed files, a pickle that would run code), a health check after each.
Issue 24 figures: the same endpoints asked in Chinese (Accept-Language: zh-CN), each refusal that is not
LayerLab's clear one (Gradio's or Python's words, English, the input echoed past 40 characters).

    python benchmarks/hostile_api.py [ARCHIVE]     prints one line per failure and a summary
"""
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from tests.conftest import start_app, stop_app  # noqa: E402
from tests.hostile import attack, crashes_in_our_code, hostile_files, refusal_values, unclear_refusals  # noqa: E402
from tests.test_hostile_api import TINY_RUN  # noqa: E402


def main() -> None:
    archive = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "LAYERLAB_TEST_DATA", str(ROOT.parent / "shared" / "data" / "cifar10-jpeg.tar.gz"))
    with tempfile.TemporaryDirectory() as tmp:
        proof = Path(tmp) / "pickle-ran"
        os.environ["LAYERLAB_PICKLE_PROOF"] = str(proof)
        log = Path(tmp) / "app.log"
        env = dict(os.environ, LAYERLAB_TEST_LOG=str(log), PYTHONUNBUFFERED="1")
        proc, url = start_app(["--data", archive], env)
        try:
            client = Client(url, verbose=False)
            time.sleep(3)

            def healthy() -> bool:
                return proc.poll() is None and len(client.predict("test", "all", 2, 0, api_name="/browse_data")[0]) == 2

            start = time.perf_counter()
            files = hostile_files(Path(tmp) / "files")
            outcomes = attack(client, url, files, healthy, overrides=TINY_RUN)
            seconds = time.perf_counter() - start
            zh = Client(url, verbose=False, headers={"Accept-Language": "zh-CN"})
            unclear = unclear_refusals(zh, files, overrides=TINY_RUN)
            api = zh.view_api(print_info=False, return_format="dict")["named_endpoints"]
            asked = sum(len(refusal_values(p, files)) for spec in api.values() for p in spec["parameters"])
        finally:
            stop_app(proc)
        crashes = crashes_in_our_code(log.read_text())
        for crash in dict.fromkeys(crashes):
            print(f"CRASH {crash}")
        for o in outcomes:
            if not o.ok:
                print(f"FAIL {o.endpoint} {o.case}: {o.detail}")
        for line in unclear:
            print(f"UNCLEAR {line}")
        print(f"asked in Chinese: {asked} values the page never sends, on {len(api)} endpoints: "
              f"{len(unclear)} refusals not LayerLab's clear one")
        slow = sorted(outcomes, key=lambda o: -o.seconds)[:5]
        print("slowest:", "; ".join(f"{o.endpoint} {o.case} {o.seconds:.1f}s" for o in slow))
        health = [o for o in outcomes if o.case == "health check after"]
        print(f"{len(outcomes) - len(health)} hostile calls on {len(health)} endpoints in {seconds:.0f} s: "
              f"{sum(not o.ok for o in outcomes if o not in health)} unclear or crashing answers, "
              f"{sum(not o.ok for o in health)} failed health checks, {len(crashes)} crashes inside LayerLab's "
              f"handlers, pickle executed: {proof.exists()}")


if __name__ == "__main__":
    main()
