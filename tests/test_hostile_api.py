"""Every endpoint of the running app, attacked through the API, bypassing the UI's bounds."""
from tests.hostile import attack, hostile_files


def test_every_endpoint_survives_hostile_input_with_clear_errors(client, app_url, tmp_path, monkeypatch):
    proof = tmp_path / "pickle-ran"
    monkeypatch.setenv("LAYERLAB_PICKLE_PROOF", str(proof))   # baked into the pickles written below
    files = hostile_files(tmp_path / "files")

    def healthy() -> bool:
        gallery, _ = client.predict("test", "all", 2, 0, api_name="/browse_data")
        return len(gallery) == 2

    outcomes = attack(client, app_url, files, healthy, values_per_param=3)
    failures = [o for o in outcomes if not o.ok]
    assert not failures, "\n".join(f"{o.endpoint} {o.case}: {o.detail}" for o in failures)
    assert len({o.endpoint for o in outcomes}) >= 1 and len(outcomes) > 10
    assert not proof.exists(), "an uploaded pickle was executed"
