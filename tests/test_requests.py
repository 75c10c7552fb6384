"""Request bodies are bounded before Gradio parses them: huge or deeply nested JSON gets a sentence."""
import json
import urllib.error
import urllib.request

import pytest

from ui.requests import MAX_JSON_DEPTH, json_depth


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"}, method="POST")
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
