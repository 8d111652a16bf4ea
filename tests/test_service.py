"""The HTTP API in-process (TestClient): every endpoint, and every way a client can get it wrong.

Every failure must be a 4xx with exactly ``{"error": {"code", "message"}}``; the summary must be the same
JSON the library (and so ``tomtat summarize --format json``) produces.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (fastapi, uvicorn) is not installed")

from fastapi.testclient import TestClient

import tomtat
from sample_articles import ARTICLE_A, ARTICLE_B
from tomtat import service
from tomtat.service import Limits, create_app

ARTICLES = [
    {"text": ARTICLE_A, "title": "Hà Nội mở rộng xe buýt điện", "source": "a.txt"},
    {"text": ARTICLE_B, "title": "Thêm 300 xe buýt điện", "source": "b.txt"},
]


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(create_app(limits=Limits(max_body_bytes=64 * 1024, max_articles=5))) as test_client:
        yield test_client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape every failure must have."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# --- success paths ---------------------------------------------------------------------------------


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["version"] == tomtat.__version__


def test_healthz_and_the_page_answer_head(client: TestClient) -> None:
    # Uptime monitors and `curl -I` send HEAD; it was a 405, the service reported down.
    for path in ("/healthz", "/"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == client.get(path).headers["content-type"]
    assert set(client.get("/openapi.json").json()["paths"]["/healthz"]) == {"get"}


def test_summarize_returns_the_library_json(client: TestClient) -> None:
    response = client.post("/v1/summarize", json={"articles": ARTICLES, "words": 60})
    assert response.status_code == 200
    expected = tomtat.summarize([tomtat.Article(**a) for a in ARTICLES], words=60).to_dict()
    assert response.json() == expected
    body = response.json()
    assert body["sentences"], "a 60-syllable budget fits at least one sentence"
    assert body["length"] <= 60
    assert body["sources"] == ["a.txt", "b.txt"]


def test_summarize_default_words_and_sources_by_position(client: TestClient) -> None:
    response = client.post("/v1/summarize", json={"articles": [{"text": ARTICLE_A}, {"text": ARTICLE_B}]})
    assert response.status_code == 200
    body = response.json()
    assert body["words"] == tomtat.summarizer.DEFAULT_WORDS
    assert body["sources"] == ["0", "1"]


def test_summarize_with_articles_indexes_every_cited_sentence(client: TestClient) -> None:
    response = client.post("/v1/summarize", json={"articles": ARTICLES, "words": 80, "with_articles": True})
    assert response.status_code == 200
    body = response.json()
    assert [a["source"] for a in body["articles"]] == ["a.txt", "b.txt"]
    assert [a["title"] for a in body["articles"]] == [a["title"] for a in ARTICLES]
    for cited in body["sentences"]:
        sentence = body["articles"][cited["doc_index"]]["sentences"][cited["sentence"]]
        assert sentence["text"] == cited["text"]
        assert sentence["kind"] in ("lead", "body")


def test_summarize_accepts_a_lead(client: TestClient) -> None:
    lead = "Hà Nội sẽ đưa 300 xe buýt điện vào hoạt động, giảm ô nhiễm không khí cho thủ đô."
    articles = [{"text": ARTICLE_A, "lead": lead}, {"text": ARTICLE_B}]
    response = client.post("/v1/summarize", json={"articles": articles, "words": 40, "with_articles": True})
    assert response.status_code == 200
    assert response.json()["articles"][0]["sentences"][0]["text"] == lead


# --- errors: every one a 4xx with the same JSON shape ------------------------------------------------


def test_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/v1/summarize", content=b'{"articles": [', headers={"content-type": "application/json"}
    )
    error = assert_error(response, 400, "malformed_json")
    assert "JSON" in error["message"]


def test_invalid_utf8_body(client: TestClient) -> None:
    response = client.post(
        "/v1/summarize", content=b"\xff\xfe\xfa", headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ([], "body"),
        ("văn bản", "body"),
        ({}, "articles"),
        ({"articles": []}, "articles"),
        ({"articles": "một bài"}, "articles"),
        ({"articles": [{}]}, "articles[0].text"),
        ({"articles": [{"text": 42}]}, "articles[0].text"),
        ({"articles": [{"text": ARTICLE_A, "title": None}]}, "articles[0].title"),
        ({"articles": [{"text": ARTICLE_A, "tittle": "x"}]}, "articles[0].tittle"),
        ({"articles": ARTICLES, "word": 100}, "word"),
        ({"articles": ARTICLES, "words": "100"}, "words"),
        ({"articles": ARTICLES, "words": 99.5}, "words"),
        ({"articles": ARTICLES, "words": True}, "words"),
        ({"articles": ARTICLES, "with_articles": "yes"}, "with_articles"),
    ],
)
def test_invalid_request_names_the_field(client: TestClient, body: Any, where: str) -> None:
    error = assert_error(client.post("/v1/summarize", json=body), 422, "invalid_request")
    assert error["message"].startswith(where), error["message"]


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_article(client: TestClient, text: str) -> None:
    response = client.post("/v1/summarize", json={"articles": [ARTICLES[0], {"text": text, "source": "x"}]})
    error = assert_error(response, 422, "invalid_input")
    assert "'x'" in error["message"] and "empty" in error["message"]


@pytest.mark.parametrize("words", [0, -5, tomtat.summarizer.MAX_WORDS + 1, 10**30])
def test_words_out_of_range(client: TestClient, words: int) -> None:
    error = assert_error(
        client.post("/v1/summarize", json={"articles": ARTICLES, "words": words}), 422, "words_out_of_range"
    )
    assert str(tomtat.summarizer.MAX_WORDS) in error["message"]


def test_words_limit_is_configurable() -> None:
    with TestClient(create_app(limits=Limits(max_words=50))) as small:
        assert small.post("/v1/summarize", json={"articles": ARTICLES, "words": 50}).status_code == 200
        assert_error(
            small.post("/v1/summarize", json={"articles": ARTICLES, "words": 51}), 422, "words_out_of_range"
        )


def test_too_many_articles(client: TestClient) -> None:
    articles = [{"text": ARTICLE_A, "source": f"{i}.txt"} for i in range(6)]
    error = assert_error(client.post("/v1/summarize", json={"articles": articles}), 422, "too_many_articles")
    assert "limit is 5" in error["message"]
    assert client.post("/v1/summarize", json={"articles": articles[:5]}).status_code == 200


def test_too_many_articles_are_refused_before_any_is_validated(client: TestClient) -> None:
    # Every item of a list past the limit used to be validated first, one error object per bad item:
    # 20 MB of "{}," is 7 million of them, a minute of the event loop and gigabytes, before the count.
    body = b'{"articles": [' + b",".join([b"{}"] * 20_000) + b"]}"
    response = client.post("/v1/summarize", content=body, headers={"content-type": "application/json"})
    error = assert_error(response, 422, "too_many_articles")
    assert error["message"] == "20000 articles in one request; the limit is 5"


@pytest.mark.parametrize("where", ["article", "body"])
def test_unknown_fields_past_the_first_few_are_not_each_an_error(client: TestClient, where: str) -> None:
    # extra="forbid" made one error object per unknown field: 12 MB of "k0": 0, "k1": 0, ... (a million)
    # took 9 s of the event loop, every other client waiting, and 1.4 GB, to name three of them.
    import json

    from pydantic import ValidationError

    unknown = {f"k{i}": 0 for i in range(5000)}
    body = (
        {"articles": [{"text": ARTICLE_A, **unknown}]}
        if where == "article"
        else {"articles": [{"text": ARTICLE_A}], **unknown}
    )
    with pytest.raises(ValidationError) as raised:
        service.SummarizeRequest.model_validate(body)
    assert raised.value.error_count() == 3
    headers = {"content-type": "application/json"}
    response = client.post("/v1/summarize", content=json.dumps(body).encode(), headers=headers)
    error = assert_error(response, 422, "invalid_request")
    prefix = "articles[0]." if where == "article" else ""
    assert error["message"].startswith(f"{prefix}k0: Extra inputs are not permitted; {prefix}k1: "), error


def test_default_limits_match_the_issue() -> None:
    assert Limits().max_body_bytes == 20 * 1024 * 1024
    assert Limits().max_articles == 500


def test_body_over_limit_by_content_length(client: TestClient) -> None:
    big = {"articles": [{"text": "Một câu dài. " * 10_000}]}
    error = assert_error(client.post("/v1/summarize", json=big), 413, "body_too_large")
    assert "65536 bytes" in error["message"]


def test_body_over_limit_while_streaming_without_content_length(client: TestClient) -> None:
    """A chunked body declares no size: the limit must be enforced on the bytes actually read."""

    def chunks():
        yield b'{"articles": [{"text": "'
        for _ in range(1000):
            yield b"x" * 1024
        yield b'"}]}'

    response = client.post("/v1/summarize", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "body_too_large")


def test_lying_content_length_is_not_trusted() -> None:
    """Drive the middleware directly: a small declared length with a larger body is still cut off."""
    app = create_app(limits=Limits(max_body_bytes=100))
    messages = [{"type": "http.request", "body": b"x" * 80, "more_body": True}] * 3
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/summarize",
        "raw_path": b"/v1/summarize",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("testserver", 80),
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"10")],
        "http_version": "1.1",
        "app": app,
    }
    anyio.run(service.BodySizeLimit(app, limit=100), scope, receive, send)
    assert sent[0]["status"] == 413


def test_invalid_content_length(client: TestClient) -> None:
    response = client.post(
        "/v1/summarize", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"}
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_body_that_is_not_json(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/v1/summarize", content=b'{"articles": []}', headers={"content-type": content_type}
    )
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_unknown_path_and_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/v1/summarize"), 405, "method_not_allowed")
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


def test_story_endpoints_without_a_store() -> None:
    with TestClient(create_app()) as no_store:
        assert_error(no_store.get("/v1/stories"), 503, "no_store")
        assert_error(no_store.get("/v1/stories/abc"), 503, "no_store")
        assert_error(
            no_store.post("/v1/articles", json={"articles": [{"id": "1", "text": "x"}]}), 503, "no_store"
        )


def test_a_bug_is_still_a_json_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "summarize", broken)
    with TestClient(create_app(), raise_server_exceptions=False) as buggy:
        error = assert_error(buggy.post("/v1/summarize", json={"articles": ARTICLES}), 500, "internal_error")
    assert "boom" not in error["message"]


# --- concurrency -----------------------------------------------------------------------------------


def test_a_long_summary_does_not_block_other_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """While one summary is still running, /healthz must answer: summaries run off the event loop.

    The summary waits for a signal that is only given once /healthz has answered, so a summary run on the
    event loop would make /healthz wait for it (and the test fail on the timeout) instead of hanging.
    """
    healthz_answered = threading.Event()
    real_summarize = service.summarize

    def slow_summarize(*args: Any, **kwargs: Any) -> tomtat.Summary:
        healthz_answered.wait(timeout=5)
        return real_summarize(*args, **kwargs)

    monkeypatch.setattr(service, "summarize", slow_summarize)
    app = create_app()
    order: list[str] = []

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def long_request() -> None:
                response = await http.post("/v1/summarize", json={"articles": ARTICLES})
                assert response.status_code == 200
                order.append("summary")

            async def health() -> None:
                await anyio.sleep(0.05)
                started = time.perf_counter()
                response = await http.get("/healthz")
                assert response.status_code == 200
                assert time.perf_counter() - started < 2
                order.append("healthz")
                healthz_answered.set()

            async with anyio.create_task_group() as group:
                group.start_soon(long_request)
                group.start_soon(health)

    anyio.run(scenario)
    assert order == ["healthz", "summary"]


def test_store_calls_waiting_for_the_store_do_not_hold_up_the_page() -> None:
    """Store calls take turns on the store's lock; those waiting must not hold every worker thread.

    They ran in the default thread pool (40 threads), which also serves the page and its static files:
    while the store was busy (a long story list being summarized), 40 more /v1/stories requests took every
    thread, and the page and app.js hung until the store was free.
    """
    store_module = pytest.importorskip("tomtat.store", reason="the story store is not available")
    release = threading.Event()

    class BusyStore(store_module.Store):  # type: ignore[name-defined,misc]
        def stories(self, *args: Any, **kwargs: Any) -> list[Any]:
            release.wait(timeout=20)
            return []

    store = BusyStore(":memory:")
    app = create_app(store=store)
    answered: dict[str, float] = {}

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def story_list() -> None:
                assert (await http.get("/v1/stories", timeout=30)).status_code == 200

            async def page(path: str) -> None:
                started = time.perf_counter()
                with anyio.move_on_after(5):
                    assert (await http.get(path)).status_code == 200
                    answered[path] = time.perf_counter() - started

            try:
                async with anyio.create_task_group() as group:
                    for _ in range(45):
                        group.start_soon(story_list)
                    await anyio.sleep(0.3)
                    async with anyio.create_task_group() as pages:
                        for path in ("/", "/static/app.js"):
                            pages.start_soon(page, path)
                    release.set()
            finally:
                release.set()

    anyio.run(scenario)
    store.close()
    assert set(answered) == {"/", "/static/app.js"}, "the page hung while store calls waited"
    assert max(answered.values()) < 2


# --- the page and the docs -------------------------------------------------------------------------


def test_page_is_vietnamese_and_self_contained(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    assert "Tóm tắt" in html
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    local = [a for a in assets if a.startswith("/static/")]
    assert {"/static/app.js", "/static/style.css"} <= set(local)
    for asset in local:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "no-cache", "an upgrade must not run an old script"
        unchanged = client.get(asset, headers={"If-None-Match": response.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.headers["cache-control"] == "no-cache"


def test_static_files_load_nothing_from_elsewhere() -> None:
    static = Path(service.STATIC_DIR)
    for path in static.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{path.name} refers to another host"
        assert "innerHTML" not in text, f"{path.name}: user text must go through textContent"


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/summarize", "/v1/articles", "/v1/stories", "/v1/stories/{story_id}", "/healthz"} <= set(
        spec["paths"]
    )
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    for asset in re.findall(r"""['"](/docs-assets/[^'"]+)['"]""", docs.text):
        assert client.get(asset).status_code == 200, asset


# --- the story store -------------------------------------------------------------------------------

GOLD = (
    "Giá vàng hôm nay tăng mạnh lên mức kỷ lục mới. Các nhà đầu tư đổ xô mua vàng miếng ở các cửa hàng lớn."
)
FEED = [
    {
        "id": "bus-1",
        "text": ARTICLE_A,
        "title": "Hà Nội mở rộng xe buýt điện",
        "published": "2023-09-10T08:00:00+07:00",
    },
    {
        "id": "bus-2",
        "text": ARTICLE_B,
        "title": "Thêm 300 xe buýt điện",
        "source": "Báo B",
        "published": "2023-09-11",
    },
    {"id": "gold-1", "text": GOLD, "title": "Giá vàng tăng", "published": "2023-09-12"},
]


@pytest.fixture
def store_client() -> tuple[TestClient, Any]:
    store_module = pytest.importorskip(
        "tomtat.store", reason="the story store (tomtat.store) is not available"
    )
    store = store_module.Store(":memory:")
    with TestClient(create_app(store=store, limits=Limits(max_articles=5))) as test_client:
        yield test_client, store
    store.close()


def test_ingest_reports_the_story_each_article_joined(store_client: tuple[TestClient, Any]) -> None:
    client, store = store_client
    response = client.post("/v1/articles", json={"articles": FEED})
    assert response.status_code == 200
    report = response.json()
    assert report["added"] == 3 and report["existing"] == 0
    assignments = {a["article"]: a for a in report["assignments"]}
    assert set(assignments) == {"bus-1", "bus-2", "gold-1"}
    for article_id, assignment in assignments.items():
        assert store.article(article_id).story_id == assignment["story"]
    assert report["new_stories"] == len({a["story"] for a in assignments.values()})

    again = client.post("/v1/articles", json={"articles": FEED[:1]}).json()
    assert again["added"] == 0 and again["existing"] == 1
    assert again["assignments"][0]["story"] == assignments["bus-1"]["story"]
    assert store.count_articles() == 3


def test_stories_newest_first_with_summaries_and_articles(store_client: tuple[TestClient, Any]) -> None:
    client, store = store_client
    client.post("/v1/articles", json={"articles": FEED}).raise_for_status()
    stories = client.get("/v1/stories", params={"words": 60}).json()["stories"]
    assert len(stories) == store.count_stories()
    assert [s["last"] for s in stories] == sorted((s["last"] for s in stories), reverse=True)
    for story in stories:
        ids = {a["id"] for a in story["articles"]}
        assert story["size"] == len(story["articles"])
        assert all(a["text"] and a["story"] == story["story"] for a in story["articles"])
        assert story["sentences"], "every story has a summary"
        for sentence in story["sentences"]:
            assert sentence["doc"] in ids
            cited = next(a for a in story["articles"] if a["id"] == sentence["doc"])
            assert sentence["text"][:20] in cited["text"]
        facts = story["facts"]
        assert set(facts) == {"when", "where", "who", "numbers", "quotes", "disagreements"}
        for fact in (fact for kind in ("when", "where", "who", "numbers") for fact in facts[kind]):
            assert {source["doc"] for source in fact["sources"]} <= ids
    assert any(story["facts"]["numbers"] or story["facts"]["who"] for story in stories)
    one = client.get(f"/v1/stories/{stories[0]['story']}", params={"words": 60})
    assert one.status_code == 200
    assert one.json() == stories[0]


def test_stories_since(store_client: tuple[TestClient, Any]) -> None:
    client, _store = store_client
    client.post("/v1/articles", json={"articles": FEED}).raise_for_status()
    recent = client.get("/v1/stories", params={"since": "2023-09-12"}).json()["stories"]
    assert [a["id"] for s in recent for a in s["articles"]] == ["gold-1"]
    assert client.get("/v1/stories", params={"since": "2030-01-01"}).json() == {"stories": []}
    assert len(client.get("/v1/stories", params={"limit": 1}).json()["stories"]) == 1


def test_story_endpoint_errors(store_client: tuple[TestClient, Any]) -> None:
    client, _store = store_client
    assert_error(client.get("/v1/stories/s999"), 404, "story_not_found")
    assert_error(client.get("/v1/stories/not-an-id"), 404, "story_not_found")
    assert_error(client.get("/v1/stories/s³"), 404, "story_not_found")  # was a 500 (int("³") fails)
    assert_error(client.get("/v1/stories", params={"since": "hôm qua"}), 422, "invalid_since")
    assert_error(client.get("/v1/stories", params={"words": 0}), 422, "words_out_of_range")
    assert_error(client.get("/v1/stories", params={"words": "nhiều"}), 422, "invalid_request")
    assert_error(client.get("/v1/stories", params={"limit": 0}), 422, "invalid_request")
    assert_error(client.get("/v1/stories", params={"limit": 5000}), 422, "limit_out_of_range")
    assert_error(client.get("/v1/stories/s1", params={"words": -1}), 422, "words_out_of_range")


@pytest.mark.parametrize(
    ("articles", "status", "code"),
    [
        ([], 422, "invalid_request"),
        ([{"text": ARTICLE_A}], 422, "invalid_request"),
        ([{"id": "x"}], 422, "invalid_request"),
        ([{"id": "x", "text": ARTICLE_A, "url": "http://example.org"}], 422, "invalid_request"),
        ([{"id": "x", "text": ARTICLE_A, "published": 20230913}], 422, "invalid_request"),
        ([FEED[0], {"id": "x", "text": ARTICLE_A, "published": "hôm qua"}], 422, "invalid_article"),
        ([FEED[0], {"id": "  ", "text": ARTICLE_A}], 422, "invalid_article"),
        ([FEED[0], {"id": "y", "text": " \n "}], 422, "invalid_article"),
        ([{"id": str(i), "text": ARTICLE_A} for i in range(6)], 422, "too_many_articles"),
    ],
)
def test_ingest_rejects_the_whole_batch(
    store_client: tuple[TestClient, Any], articles: list[Any], status: int, code: str
) -> None:
    client, store = store_client
    assert_error(client.post("/v1/articles", json={"articles": articles}), status, code)
    assert store.count_articles() == 0, "a rejected batch stores nothing"


def test_ingest_refuses_too_many_articles_before_validating_them(
    store_client: tuple[TestClient, Any],
) -> None:
    client, store = store_client
    body = b'{"articles": [' + b",".join([b"{}"] * 20_000) + b"]}"
    response = client.post("/v1/articles", content=body, headers={"content-type": "application/json"})
    error = assert_error(response, 422, "too_many_articles")
    assert error["message"] == "20000 articles in one request; the limit is 5"
    assert store.count_articles() == 0


@pytest.mark.parametrize("identifier", [None, True, 1.5, [], {"id": 1}])
def test_ingest_names_a_mistyped_id_once(store_client: tuple[TestClient, Any], identifier: Any) -> None:
    # The union str | int reported each member at a path that does not exist: "articles[0].id.str: Input
    # should be a valid string; articles[0].id.int: Input should be a valid integer".
    client, _store = store_client
    response = client.post("/v1/articles", json={"articles": [{"id": identifier, "text": ARTICLE_A}]})
    error = assert_error(response, 422, "invalid_request")
    assert error["message"] == "articles[0].id: Input should be a string or a whole number"


def test_ingest_takes_a_feed_line_that_tomtat_ingest_takes(store_client: tuple[TestClient, Any]) -> None:
    # Scrapers write null for a missing title or source; tomtat ingest reads that as "" (feeds._string),
    # but /v1/articles refused the same line: "articles[0].title: Input should be a valid string".
    from tomtat.feeds import parse_record

    client, store = store_client
    line = {"id": "n-1", "text": ARTICLE_A, "title": None, "source": None, "published": None}
    parse_record(line)  # the command line takes it
    response = client.post("/v1/articles", json={"articles": [line]})
    assert response.status_code == 200, response.text
    stored = store.article("n-1")
    assert stored.title == "" and stored.source == "" and stored.published is None


def test_ingest_accepts_numeric_ids(store_client: tuple[TestClient, Any]) -> None:
    client, store = store_client
    response = client.post("/v1/articles", json={"articles": [{"id": 42, "text": ARTICLE_A}]})
    assert response.status_code == 200
    assert response.json()["assignments"][0]["article"] == "42"
    assert store.article("42") is not None


def test_lone_surrogates_in_a_request_are_not_a_500(client: TestClient) -> None:
    import json

    # "\ud83d" alone (half an emoji) is valid JSON but not encodable as UTF-8 in the response.
    body = {"articles": [{"text": ARTICLE_A + " \ud83d", "source": "a\ud83d.txt"}], "words": 60}
    headers = {"content-type": "application/json"}
    response = client.post("/v1/summarize", content=json.dumps(body).encode(), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]
    unknown = json.dumps({"articles": [{"text": "x"}], "w\udc00": 1}).encode()
    assert_error(client.post("/v1/summarize", content=unknown, headers=headers), 422, "invalid_request")


@pytest.mark.parametrize(
    "content", [b"[" * 10_000 + b"]" * 10_000, b'{"words": ' + b"9" * 5000 + b"}"], ids=["deep", "long"]
)
def test_json_past_the_parsers_limits_is_not_called_non_utf8(client: TestClient, content: bytes) -> None:
    # Valid UTF-8 that json cannot parse (recursion limit, int digits limit) was reported as "not UTF-8".
    response = client.post("/v1/summarize", content=content, headers={"content-type": "application/json"})
    error = assert_error(response, 400, "malformed_json")
    assert "nest" in error["message"] and "number" in error["message"], error["message"]


def test_serve_refuses_an_empty_host(monkeypatch: pytest.MonkeyPatch) -> None:
    # --host "" (say --host "$HOST" with HOST unset) listened on every interface, as 0.0.0.0 does: the
    # service was open to the network while the user meant the default, this machine only.
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    with pytest.raises(tomtat.TomtatError, match="empty") as raised:
        service.serve(host="", port=0, db=":memory:")
    assert "127.0.0.1" in str(raised.value) and "0.0.0.0" in str(raised.value)
    assert not started


# --- summaries in worker processes (create_app(workers=N)) -----------------------------------------


@pytest.fixture(scope="module")
def pooled() -> TestClient:
    """The ``client`` app, with its summaries made in 2 worker processes."""
    app = create_app(limits=Limits(max_body_bytes=64 * 1024, max_articles=5), workers=2)
    with TestClient(app) as test_client:
        yield test_client


WORKER_REQUESTS = {
    "plain": {"articles": ARTICLES, "words": 60},
    "with_articles": {"articles": ARTICLES, "words": 80, "with_articles": True},
    "default_words": {"articles": [{"text": ARTICLE_A}, {"text": ARTICLE_B}]},
    "lead": {"articles": [{"text": ARTICLE_A, "lead": "Hà Nội sẽ có 300 xe buýt điện."}], "words": 40},
}


@pytest.mark.parametrize("request_body", WORKER_REQUESTS.values(), ids=WORKER_REQUESTS.keys())
def test_workers_answer_the_same_bytes_as_threads(
    client: TestClient, pooled: TestClient, request_body: dict[str, Any]
) -> None:
    alone = client.post("/v1/summarize", json=request_body)
    pooled_response = pooled.post("/v1/summarize", json=request_body)
    assert alone.status_code == pooled_response.status_code == 200
    assert pooled_response.content == alone.content
    assert pooled_response.headers["content-type"] == alone.headers["content-type"]


@pytest.mark.parametrize(
    ("request_body", "status", "code"),
    [
        ({"articles": [{"text": " \n "}]}, 422, "invalid_input"),  # raised by summarize, in the worker
        ({"articles": [{"text": ARTICLE_A}, {"text": "\t"}], "words": 50}, 422, "invalid_input"),
        ({"articles": ARTICLES, "words": 0}, 422, "words_out_of_range"),
        ({"articles": [{"text": ARTICLE_A, "tittle": "x"}]}, 422, "invalid_request"),
    ],
)
def test_workers_answer_bad_requests_as_threads_do(
    client: TestClient, pooled: TestClient, request_body: dict[str, Any], status: int, code: str
) -> None:
    alone = client.post("/v1/summarize", json=request_body)
    pooled_response = pooled.post("/v1/summarize", json=request_body)
    assert_error(pooled_response, status, code)
    assert pooled_response.content == alone.content


def test_summaries_are_made_in_worker_processes(pooled: TestClient) -> None:
    import os

    workers = pooled.app.state.summary_workers
    assert workers is not None and workers.workers == 2
    pids = {pooled.portal.call(workers.run, os.getpid) for _ in range(8)}
    assert pids and os.getpid() not in pids
    assert create_app().state.summary_workers is None, "one process by default"


def test_a_dead_worker_is_replaced(pooled: TestClient) -> None:
    """A killed worker breaks the pool: the requests it held get a 503, and later ones are served again."""
    import os
    import signal

    workers = pooled.app.state.summary_workers
    os.kill(pooled.portal.call(workers.run, os.getpid), signal.SIGKILL)
    request_body = WORKER_REQUESTS["plain"]
    deadline = time.monotonic() + 10
    while (response := pooled.post("/v1/summarize", json=request_body)).status_code == 200:
        assert time.monotonic() < deadline, "the pool never noticed its dead worker"
        time.sleep(0.05)
    assert_error(response, 503, "worker_failed")
    again = pooled.post("/v1/summarize", json=request_body)
    assert again.status_code == 200, again.text
    assert again.json() == tomtat.summarize([tomtat.Article(**a) for a in ARTICLES], words=60).to_dict()


def test_a_story_list_is_summarized_in_the_workers_with_the_same_answer(
    store_client: tuple[TestClient, Any],
) -> None:
    from tomtat.store import Store

    alone, _ = store_client
    alone.post("/v1/articles", json={"articles": FEED}).raise_for_status()
    store = Store(":memory:")
    made = []
    stories = store.stories

    def recording(*args: Any, **options: Any) -> Any:
        made.append(options.get("executor"))
        return stories(*args, **options)

    store.stories = recording  # type: ignore[method-assign]
    try:
        with TestClient(create_app(store=store, limits=Limits(max_articles=5), workers=2)) as pooled:
            pooled.post("/v1/articles", json={"articles": FEED}).raise_for_status()
            for words in (60, 60, 90):  # the second from the database, the third made again
                answer = pooled.get("/v1/stories", params={"words": words})
                assert answer.status_code == 200
                assert answer.content == alone.get("/v1/stories", params={"words": words}).content
            assert made and all(pool is pooled.app.state.summary_workers._pool for pool in made)
    finally:
        store.close()


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_create_app_refuses_a_bad_worker_count(workers: Any) -> None:
    with pytest.raises(tomtat.InputError, match="workers"):
        create_app(workers=workers)


def test_a_read_only_store_is_the_servers_problem_not_the_request(tmp_path, monkeypatch) -> None:
    import sqlite3

    from tomtat.store import Store

    path = tmp_path / "t.db"
    Store(path).close()
    connect = sqlite3.connect

    def read_only(database, **options):  # what a file without write permission gives a non-root user
        return connect(f"file:{database}?mode=ro", uri=True, **options)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with Store(path) as store, TestClient(create_app(store=store)) as client:
        response = client.post("/v1/articles", json={"articles": [{"id": "a", "text": ARTICLE_A}]})
        error = assert_error(response, 503, "store_read_only")
        assert "read-only" in error["message"]
        assert client.get("/v1/stories").status_code == 200
