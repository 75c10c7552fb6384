"""Request bodies are bounded before Gradio parses them: huge or deeply nested JSON gets a sentence."""
import json
import os
import urllib.error
import urllib.request

import pytest

from ui.common.requests import MAX_JSON_DEPTH, json_depth


def post(url: str, body: bytes, language: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", **({"Accept-Language": language} if language else {})}
    request = urllib.request.Request(url, body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.parametrize("text, depth", [
    (b'{"data": ["test", "all", 2, 0]}', 2), (b'[[["[[[[[[", "]"]]]', 3), (b'{"a": "\\"[[[["}', 1), (b"7", 0)])
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_deep_and_huge_json_is_refused_with_a_sentence_and_the_server_goes_on(client, app_url, app_log):
    endpoint = app_url + "gradio_api/call/browse_data"
    deep = b'{"data": [' + b"[" * 10_000 + b"]" * 10_000 + b', "all", 2, 0]}'
    status, answer = post(endpoint, deep)
    assert status == 400 and f"deeper than {MAX_JSON_DEPTH} levels" in answer["error"]
    huge = json.dumps({"data": ["x" * 3 * 2**20, "all", 2, 0]}).encode()
    status, answer = post(endpoint, huge)
    assert status == 413 and "over 2 MB of JSON" in answer["error"]
    status, answer = post(endpoint, json.dumps({"data": ["test", "all", 2, 0]}).encode())
    assert status == 200 and "event_id" in answer                 # ordinary calls pass unchanged
    assert len(client.predict("test", "all", 2, 0, api_name="/browse_data")[0]) == 2
    assert "RecursionError" not in app_log.read_text()


def test_refusals_follow_the_requests_accept_language(client, app_url):
    endpoint = app_url + "gradio_api/call/browse_data"
    deep = b'{"data": [' + b"[" * 100 + b"]" * 100 + b"]}"
    status, answer = post(endpoint, deep, "zh-CN,zh;q=0.9")
    assert status == 400 and answer["error"] == f"请求中的 JSON 嵌套超过 {MAX_JSON_DEPTH} 层；LayerLab 的设置最多只需要 3 层。"
    status, answer = post(endpoint, deep, "fr-FR, en;q=0.8")
    assert status == 400 and answer["error"].startswith("The request's JSON nests deeper")


def test_uploads_over_the_weights_limit_are_refused_before_they_are_stored(cifar_archive, cache_dir, tmp_path):
    from tests.conftest import start_app, stop_app
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(tmp_path / "app.log"),
               LAYERLAB_MAX_UPLOAD_MB="1", GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    proc, url = start_app(["--data", str(cifar_archive)], env)
    try:
        boundary = "layerlab"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pth\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + b"\0" * (2 * 2**20) + \
            f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(url + "gradio_api/upload", body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 413
        stored = [p for p in (tmp_path / "gradio").rglob("*") if p.is_file() and p.stat().st_size > 2**20]
        assert stored == []
    finally:
        stop_app(proc)
