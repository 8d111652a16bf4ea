"""The real service, as a user meets it: ``tomtat serve`` in a subprocess, called over HTTP and driven in a
real headless browser (Debian's chromium through Playwright).

The browser test skips with a clear message when chromium or playwright is missing on a developer's
machine; CI installs both (``make chromium`` and the ``dev`` extra), so there it always runs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="httpx (dev extra) is not installed")
pytest.importorskip("uvicorn", reason="the 'serve' extra (fastapi, uvicorn) is not installed")

from sample_articles import ARTICLE_A, ARTICLE_B  # noqa: E402 — after the skips, like the imports above

ROOT = Path(__file__).resolve().parents[1]
# The installed console script (what a user runs); `python -m tomtat` where there is none.
_SCRIPT = Path(sys.executable).with_name("tomtat")
TOMTAT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "tomtat"]
DATA = ROOT / "../shared/data/kim-putin-2023"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]

# Two reports of one ferry accident (written for these tests) that give different passenger counts, so
# the facts have every kind, a disagreement among them.
FERRY_A = (
    "Tàu cao tốc Hòn Khoai chở 52 hành khách bị mắc cạn gần đảo Phú Quốc chiều 3/6.\n"
    "Ông Trần Văn Bình, trưởng đoàn cứu hộ, cho biết: “Tất cả hành khách đã được đưa lên tàu cứu hộ an toàn "
    "trước khi trời tối”.\n"
    "Lực lượng cứu hộ đã điều 3 tàu tới hiện trường."
)
FERRY_B = """Tàu cao tốc Hòn Khoai chở 58 hành khách bị mắc cạn gần đảo Phú Quốc.
Theo Cảng vụ Kiên Giang, không có ai bị thương và tàu sẽ được kéo về cảng trong ngày mai."""

# The "facts" object of /v1/summarize: every kind is always there (possibly empty), with these fields.
FACT_FIELDS = {
    "when": {"text", "value", "iso", "day", "month", "year", "hour", "minute", "weekday", "sources"},
    "where": {"name", "articles", "sources"},
    "who": {"name", "kind", "title", "articles", "mentions", "sources"},
    "numbers": {"text", "value", "unit", "approximate", "sources"},
    "quotes": {"text", "speaker", "source"},
    "disagreements": {"subject", "kind", "claims"},
}
# The rows of the page's "Dữ kiện" panel, in order (disagreements are the warning box above them).
PAGE_FACT_ROWS = ("who", "when", "where", "numbers", "quotes")



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tomtat serve`` on a free loopback port with a fresh store; yields its base URL."""
    port = free_port()
    db = tmp_path_factory.mktemp("store") / "tomtat.db"
    log = tmp_path_factory.mktemp("log") / "serve.log"
    command = [*TOMTAT, "serve", "--port", str(port), "--db", str(db)]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"tomtat serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"tomtat serve did not answer /healthz within 30 s:\n{log.read_text()}")
        time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_http_summary_is_the_cli_json(server: str, tmp_path: Path) -> None:
    paths = []
    for name, text in (("a.txt", ARTICLE_A), ("b.txt", ARTICLE_B)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    cli = subprocess.run(
        [*TOMTAT, "summarize", *map(str, paths), "--words", "70", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    articles = [{"text": p.read_text(encoding="utf-8"), "source": str(p)} for p in paths]
    response = httpx.post(f"{server}/v1/summarize", json={"articles": articles, "words": 70}, timeout=30)
    assert response.status_code == 200
    assert response.json() == json.loads(cli.stdout)


@pytest.mark.slow
def test_real_news_over_http(server: str) -> None:
    if not DATA.is_dir():
        pytest.skip(f"shared data not found at {DATA}")
    articles = [{"text": p.read_text(encoding="utf-8"), "source": p.name} for p in sorted(DATA.glob("*.txt"))]
    response = httpx.post(f"{server}/v1/summarize", json={"articles": articles, "words": 150}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert 0 < body["length"] <= 150
    assert {s["doc"] for s in body["sentences"]} <= {a["source"] for a in articles}


def _cited(body: dict, source: dict, articles: list[dict]) -> str:
    """The sentence a fact's source points at, after checking the reference is well formed."""
    assert set(source) == {"doc", "doc_index", "sentence"}
    assert source["doc"] == articles[source["doc_index"]]["source"]
    sentences = body["articles"][source["doc_index"]]["sentences"]
    assert 0 <= source["sentence"] < len(sentences)
    return sentences[source["sentence"]]["text"]


def _story(name: str) -> list[dict]:
    if name == "ferry":
        return [{"text": FERRY_A, "source": "tau-a"}, {"text": FERRY_B, "source": "tau-b"}]
    if not DATA.is_dir():
        pytest.skip(f"shared data not found at {DATA}")
    return [{"text": p.read_text(encoding="utf-8"), "source": p.name} for p in sorted(DATA.glob("*.txt"))]


@pytest.mark.slow
@pytest.mark.parametrize("story", ["ferry", "kim-putin"])
def test_summarize_returns_facts_citing_real_sentences(server: str, story: str) -> None:
    articles = _story(story)
    request = {"articles": articles, "words": 120, "with_articles": True}
    body = httpx.post(f"{server}/v1/summarize", json=request, timeout=30).json()
    facts = body["facts"]
    assert set(facts) == set(FACT_FIELDS)
    for kind, fields in FACT_FIELDS.items():
        assert isinstance(facts[kind], list)
        for item in facts[kind]:
            assert set(item) == fields, kind
    assert facts["who"] and facts["numbers"], "both stories name people and give figures"
    for item in facts["where"] + facts["who"]:
        assert item["articles"] == len({s["doc_index"] for s in item["sources"]}) >= 1
    for item in facts["who"]:
        assert item["kind"] in ("person", "organization") and item["mentions"] == len(item["sources"])
    # A fact merges mentions written differently ("tháng 7 năm 2023", "tháng Bảy năm nay"); its text is
    # how one of them is written.
    for item in facts["when"] + facts["numbers"] + facts["where"]:
        written = (item.get("text") or item["name"]).casefold()
        assert any(written in _cited(body, s, articles).casefold() for s in item["sources"]), written
    for quote in facts["quotes"]:
        assert quote["text"] in _cited(body, quote["source"], articles)
    for disagreement in facts["disagreements"]:
        assert disagreement["kind"] in ("number", "date")
        claims = [claim["text"] for claim in disagreement["claims"]]
        assert len(claims) >= 2 and len(set(claims)) == len(claims)
        for claim in disagreement["claims"]:
            assert claim["sources"]
            assert all(claim["text"] in _cited(body, s, articles) for s in claim["sources"])
    if story == "ferry":
        assert [c["text"] for c in facts["disagreements"][0]["claims"]] == ["52 hành khách", "58 hành khách"]
    # Facts do not depend on asking for the articles back.
    plain = httpx.post(f"{server}/v1/summarize", json={**request, "with_articles": False}, timeout=30).json()
    assert plain["facts"] == facts and "articles" not in plain


@pytest.mark.slow
def test_errors_over_http_are_json(server: str) -> None:
    response = httpx.post(
        f"{server}/v1/summarize", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    response = httpx.post(f"{server}/v1/summarize", json={"articles": [{"text": "  "}]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    response = httpx.get(f"{server}/no/such/page")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.slow
def test_serve_without_a_free_port_fails_cleanly(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    result = subprocess.run(
        [*TOMTAT, "serve", "--port", port, "--db", ":memory:"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "address already in use" in result.stderr.lower()
    assert result.stderr.strip().splitlines()[-1].startswith("tomtat: error:")  # not uvicorn's log lines


# --- summaries in worker processes (tomtat serve --workers N) ---------------------------------------


def _worker_processes(pid: int) -> set[int]:
    """The summary workers ``pid`` spawned, from any of its threads (Linux /proc)."""
    found = set()
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in command:  # not the resource tracker
                found.add(int(child))
    return found


@pytest.mark.slow
def test_serve_with_workers_answers_the_same_and_stops_on_ctrl_c(server: str, tmp_path: Path) -> None:
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs Linux /proc to find the worker processes")
    port = free_port()
    log = tmp_path / "serve.log"
    command = [*TOMTAT, "serve", "--port", str(port), "--db", ":memory:", "--workers", "2"]
    with open(log, "wb") as output:  # its own process group, as a terminal's foreground job
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"tomtat serve --workers 2 exited:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no answer within 60 s:\n{log.read_text()}"
            time.sleep(0.1)
        workers = _worker_processes(process.pid)
        assert len(workers) == 2, log.read_text()

        articles = [{"text": ARTICLE_A, "source": "a"}, {"text": ARTICLE_B, "source": "b"}]
        good = {"articles": articles, "words": 70}
        for body in (good, {**good, "with_articles": True}, {"articles": [{"text": " "}]}):
            pooled = httpx.post(f"{base}/v1/summarize", json=body, timeout=30)
            alone = httpx.post(f"{server}/v1/summarize", json=body, timeout=30)
            assert pooled.status_code == alone.status_code
            assert pooled.content == alone.content
        assert pooled.status_code == 422 and pooled.json()["error"]["code"] == "invalid_input"

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
        assert process.wait(timeout=30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text()
    assert "Traceback" not in output and "ERROR" not in output, output
    assert "Application shutdown complete" in output
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "the workers outlived the server"


@pytest.mark.parametrize("workers", ["0", "-1", "two", "1.5"])
def test_serve_refuses_a_bad_worker_count(workers: str) -> None:
    result = subprocess.run(
        [*TOMTAT, "serve", "--db", ":memory:", f"--workers={workers}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tomtat serve: error:") and "--workers" in last and workers.lstrip("-") in last


# --- the web page in a real browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (make chromium) to run the browser test"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def _paste_and_summarize(page: object, server: str) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/")
    page.wait_for_selector("#articles .article-text")
    boxes = page.locator("#articles .article-text")
    assert boxes.count() == 2, "the page starts with two article boxes"
    boxes.nth(0).fill(ARTICLE_A)
    boxes.nth(1).fill(ARTICLE_B)
    page.locator("#articles .article-title").nth(0).fill("Hà Nội mở rộng xe buýt điện")
    page.select_option("#words", "100")
    page.get_by_role("button", name="Tóm tắt").click()
    page.wait_for_selector("#summary .sent")
    return requests


@pytest.mark.slow
def test_page_summarizes_and_highlights_the_source(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests = _paste_and_summarize(page, server)

    sentences = page.locator("#summary .sent")
    assert sentences.count() >= 2
    meta = page.locator("#summary-meta").inner_text()
    assert "âm tiết" in meta

    # The summary on the page is the service's summary for the same input.
    expected = httpx.post(
        f"{server}/v1/summarize",
        json={
            "articles": [
                {"text": ARTICLE_A, "title": "Hà Nội mở rộng xe buýt điện", "source": "Bài 1"},
                {"text": ARTICLE_B, "source": "Bài 2"},
            ],
            "words": 100,
        },
        timeout=30,
    ).json()
    shown = [sentences.nth(i).inner_text() for i in range(sentences.count())]
    assert len(shown) == len(expected["sentences"])
    for text, cited in zip(shown, expected["sentences"], strict=True):
        assert text == f"{cited['text']}[{cited['doc_index'] + 1}]"

    # Clicking each sentence opens its article with exactly that sentence highlighted.
    for index, cited in enumerate(expected["sentences"]):
        sentences.nth(index).click()
        highlight = page.locator("#source-text mark.highlight")
        highlight.wait_for(state="visible")
        assert highlight.count() == 1
        assert highlight.inner_text() == cited["text"]
        assert page.locator("#source-title").inner_text().startswith(f"[{cited['doc_index'] + 1}]")
        source_text = page.locator("#source-text").inner_text()
        assert (ARTICLE_A if cited["doc_index"] == 0 else ARTICLE_B).split("\n")[-1] in source_text

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "service-page-desktop.png"), full_page=True)
    assert all(url.startswith(server) for url in requests), "the page must load nothing from other hosts"
    page.close()


@pytest.mark.slow
def test_page_on_a_phone_with_txt_files(server: str, browser: object, tmp_path: Path) -> None:
    files = []
    for name, text in (("ha-noi.txt", ARTICLE_A), ("xe-buyt.txt", ARTICLE_B)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    phone.goto(f"{server}/")
    phone.set_input_files("#file-input", files)
    phone.wait_for_function("() => document.querySelectorAll('#articles .article-text')[1].value.length > 0")
    assert phone.locator("#articles .article-title").nth(1).input_value() == "xe-buyt"
    phone.get_by_role("button", name="Tóm tắt").click()
    phone.wait_for_selector("#summary .sent")
    phone.locator("#summary .sent").first.click()
    phone.locator("#source-text mark.highlight").wait_for(state="visible")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "service-page-phone.png"), full_page=True)
    phone.close()


def _windows_1258(text: str) -> bytes:
    """``text`` in Windows-1258, the legacy Vietnamese encoding: base letters precomposed, tones combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    encoded = bytearray()
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        encoded += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return bytes(encoded)


@pytest.mark.slow
def test_page_refuses_a_txt_file_that_is_not_utf8(server: str, browser: object, tmp_path: Path) -> None:
    # The page read every file as UTF-8, so a Windows-1258 file became mojibake ("H� N��i") in its box and
    # was summarized as such; tomtat summarize refuses it ("not valid UTF-8 ... iconv"), and so must the page.
    legacy, utf16, binary = tmp_path / "cu.txt", tmp_path / "utf16.txt", tmp_path / "anh.txt"
    legacy.write_bytes(_windows_1258(ARTICLE_A))
    utf16.write_bytes(ARTICLE_B.encode("utf-16"))  # with a BOM: read, as the command line reads it
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page = browser.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#file-input", [str(legacy), str(utf16), str(binary)])
    error = page.locator("#form-error")
    error.wait_for(state="visible")
    assert "cu.txt" in error.inner_text() and "anh.txt" in error.inner_text()
    assert "UTF-8" in error.inner_text()
    texts = [box.input_value() for box in page.locator("#articles .article-text").all()]
    assert texts[0] == ARTICLE_B, texts
    assert not any("\ufffd" in text for text in texts)
    page.close()


def _summarize_files(page: object, server: str, files: list[Path]) -> None:
    page.goto(f"{server}/")
    page.set_input_files("#file-input", [str(f) for f in files])
    page.wait_for_function(
        "n => [...document.querySelectorAll('#articles .article-text')].filter(t => t.value).length === n",
        arg=len(files),
    )
    page.get_by_role("button", name="Tóm tắt").click()
    page.wait_for_selector("#summary .sent")


def _check_fact_source(page: object, button: object, expected: dict, item_sources: list[dict]) -> None:
    """Clicking a fact's [n] opens article n with the cited sentence (its first in that article) marked."""
    doc, sentence = int(button.get_attribute("data-doc")), int(button.get_attribute("data-sentence"))
    first_in_article = next(s for s in item_sources if s["doc_index"] == doc)
    assert sentence == first_in_article["sentence"]
    button.click()
    highlight = page.locator("#source-text mark.highlight")
    highlight.wait_for(state="visible")
    assert highlight.count() == 1
    assert highlight.inner_text() == expected["articles"][doc]["sentences"][sentence]["text"]
    assert page.locator("#source-title").inner_text().startswith(f"[{doc + 1}]")
    assert "active" in (button.get_attribute("class") or "")
    assert page.locator("#result .active").count() == 1, "one fact or sentence is shown at a time"


@pytest.mark.slow
def test_page_shows_the_facts_and_opens_their_sources(server: str, browser: object, tmp_path: Path) -> None:
    """The "Dữ kiện" panel for kim-putin-2023 (or the sample articles): what the API says, clickable."""
    if DATA.is_dir():
        files = sorted(DATA.glob("*.txt"))
    else:
        files = []
        for name, text in (("ha-noi.txt", ARTICLE_A), ("xe-buyt.txt", ARTICLE_B)):
            (tmp_path / name).write_text(text, encoding="utf-8")
            files.append(tmp_path / name)
    # What the page sends for dropped files: the text, the file name as title (no .txt) and as source.
    articles = [{"text": f.read_text(encoding="utf-8"), "title": f.stem, "source": f.name} for f in files]
    expected = httpx.post(
        f"{server}/v1/summarize", json={"articles": articles, "words": 200, "with_articles": True}, timeout=30
    ).json()
    facts = expected["facts"]

    viewports = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
    for name, viewport in viewports.items():
        page = browser.new_page(viewport=viewport, is_mobile=name == "phone", device_scale_factor=1)
        _summarize_files(page, server, files)
        panel = page.locator("#facts-panel")
        panel.wait_for(state="visible")
        assert panel.locator("h2").inner_text() == "Dữ kiện"
        rows = panel.locator(".facts-row")
        shown = [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())]
        assert shown == [kind for kind in PAGE_FACT_ROWS if facts[kind]], "kinds with facts, no empty ones"
        for kind in shown:
            items = panel.locator(f'.facts-row[data-kind="{kind}"] li')
            assert items.count() == len(facts[kind])
        assert panel.locator(".facts-warning").count() == (1 if facts["disagreements"] else 0)
        for index, person in enumerate(facts["who"]):
            text = panel.locator('.facts-row[data-kind="who"] li').nth(index).inner_text()
            assert text.startswith(person["name"] + (f", {person['title']}" if person["title"] else ""))
            buttons = panel.locator('.facts-row[data-kind="who"] li').nth(index).locator(".fact-src")
            assert buttons.count() == person["articles"], "one [n] per article that names them"
        for index, quote in enumerate(facts["quotes"]):
            text = panel.locator('.facts-row[data-kind="quotes"] li').nth(index).inner_text()
            assert text.startswith(f"{quote['speaker']}: “")

        for kind in shown:
            item = panel.locator(f'.facts-row[data-kind="{kind}"] li').first
            fact = facts[kind][0]
            sources = [fact["source"]] if kind == "quotes" else fact["sources"]
            _check_fact_source(page, item.locator(".fact-src").last, expected, sources)

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page scrolls sideways at {viewport['width']}px ({width}px)"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"service-facts-{name}.png"), full_page=True)
        panel.screenshot(path=str(ARTIFACTS / f"service-facts-panel-{name}.png"))
        page.close()


@pytest.mark.slow
def test_page_warns_when_sources_disagree(server: str, browser: object, tmp_path: Path) -> None:
    expected = httpx.post(
        f"{server}/v1/summarize",
        json={
            "articles": [{"text": FERRY_A, "source": "Bài 1"}, {"text": FERRY_B, "source": "Bài 2"}],
            "words": 200,
            "with_articles": True,
        },
        timeout=30,
    ).json()
    disagreement = expected["facts"]["disagreements"][0]
    phone = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, device_scale_factor=2)
    phone.goto(f"{server}/")
    boxes = phone.locator("#articles .article-text")
    boxes.nth(0).fill(FERRY_A)
    boxes.nth(1).fill(FERRY_B)
    phone.get_by_role("button", name="Tóm tắt").click()
    warning = phone.locator("#facts-panel .facts-warning")
    warning.wait_for(state="visible")
    text = warning.inner_text()
    assert "Nguồn chưa thống nhất" in text
    assert disagreement["subject"] in text
    claims = warning.locator(".claim")
    assert [claims.nth(i).inner_text().split(" [")[0] for i in range(claims.count())] == [
        c["text"] for c in disagreement["claims"]
    ]
    for index, claim in enumerate(disagreement["claims"]):
        _check_fact_source(phone, claims.nth(index).locator(".fact-src").first, expected, claim["sources"])
    # The warning looks like one: a coloured box, unlike the plain fact rows.
    colour = warning.evaluate("node => getComputedStyle(node).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px wide)"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.locator("#result").screenshot(path=str(ARTIFACTS / "service-facts-disagreement-phone.png"))
    phone.close()


@pytest.mark.slow
def test_page_facts_are_text_and_the_panel_hides_when_empty(server: str, browser: object) -> None:
    """The page never parses fact text as HTML, and shows no panel for a story without facts.

    The service's real answer is altered on its way to the page (a hostile name; then no facts at all),
    since the extractor itself drops markup and finds something in most stories.
    """
    hostile = '<img src="x" class="injected">Kim & <b>Putin</b>'
    change: dict[str, object] = {}

    def alter(route: object) -> None:
        body = route.fetch().json()
        body["facts"] = change["facts"](body["facts"])
        route.fulfill(json=body)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/v1/summarize", alter)

    def with_hostile_name(facts: dict) -> dict:
        assert facts["who"], "the sample articles name someone"
        facts["who"][0]["name"] = hostile
        return facts

    change["facts"] = with_hostile_name
    _paste_and_summarize(page, server)
    page.locator("#facts-panel").wait_for(state="visible")
    assert page.locator("#facts img, #facts b, .injected").count() == 0
    assert page.locator('.facts-row[data-kind="who"] li').first.inner_text().startswith(hostile)

    for no_facts in (lambda facts: {kind: [] for kind in facts}, lambda facts: None):
        change["facts"] = no_facts
        page.evaluate("() => { document.querySelector('#summary-meta').textContent = ''; }")
        page.get_by_role("button", name="Tóm tắt").click()
        # The summary and the facts are drawn together: once the meta line is back, both are there.
        page.wait_for_function("() => document.querySelector('#summary-meta').textContent !== ''")
        assert page.locator("#facts").evaluate("node => node.children.length") == 0
        assert page.locator("#summary .sent").count() > 0
        assert page.locator("#facts-panel").is_hidden()
    page.close()


@pytest.mark.slow
def test_page_shows_an_error_for_empty_input(server: str, browser: object) -> None:
    page = browser.new_page()
    page.goto(f"{server}/")
    page.get_by_role("button", name="Tóm tắt").click()
    error = page.locator("#form-error")
    error.wait_for(state="visible")
    assert "ít nhất một bài" in error.inner_text()
    page.close()


@pytest.mark.slow
def test_stories_view_lists_ingested_stories(server: str, browser: object) -> None:
    feed = [
        {
            "id": "e2e-bus-1",
            "text": ARTICLE_A,
            "title": "Hà Nội mở rộng xe buýt điện",
            "published": "2023-09-10",
        },
        # No title, and its source is its id, as for a file ingested from a directory.
        {"id": "e2e-bus-2", "text": ARTICLE_B, "source": "e2e-bus-2", "published": "2023-09-11"},
    ]
    report = httpx.post(f"{server}/v1/articles", json={"articles": feed}, timeout=30)
    assert report.status_code == 200
    story_ids = {a["story"] for a in report.json()["assignments"]}
    stories = httpx.get(f"{server}/v1/stories", timeout=30).json()["stories"]
    assert story_ids <= {s["story"] for s in stories}

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/#/stories")
    cards = page.locator(".story")
    cards.first.wait_for()
    assert cards.count() == len(stories)
    assert [cards.nth(i).get_attribute("data-story") for i in range(cards.count())] == [
        s["story"] for s in stories
    ], "newest first, as the API lists them"
    card = page.locator(f'.story[data-story="{stories[0]["story"]}"]')
    assert card.locator("h2").inner_text() == stories[0]["title"]
    listed = card.locator("ol.sources li").all_text_contents()
    labelled = [text for text in listed if "e2e-bus-2" in text]
    assert len(labelled) == 1 and labelled[0].count("e2e-bus-2") == 1, "its source is its id: said once"
    first = stories[0]["sentences"][0]
    card.locator(".sent").first.click()
    highlight = card.locator(".story-reader mark.highlight")
    highlight.wait_for(state="visible")
    assert highlight.inner_text() == first["text"]

    number = stories[0]["facts"]["numbers"][0]  # both articles give figures (300 xe buýt ...)
    row = card.locator('.story-facts .facts-row[data-kind="numbers"] .fact').first
    assert number["text"] in row.inner_text()
    button = row.locator(".fact-src").first
    button.click()  # opens the article it cites, with the figure highlighted
    assert highlight.inner_text() == number["text"]
    assert "active" in (button.get_attribute("class") or "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "service-stories.png"), full_page=True)
    page.close()


@pytest.mark.slow
def test_docs_render_offline(server: str, browser: object) -> None:
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/docs")
    page.locator(".opblock-summary-path", has_text="/v1/summarize").first.wait_for(timeout=15_000)
    assert all(url.startswith(server) for url in requests), [u for u in requests if not u.startswith(server)]
    page.close()


def test_chromium_is_there_in_ci() -> None:
    """CI must run the browser test, not skip it: fail loudly if its prerequisites are missing there."""
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI (CI=true)")
    assert CHROMIUM.exists(), "CI must install chromium (make chromium)"
    import playwright  # noqa: F401


def test_serve_without_the_serve_extra_says_what_to_install() -> None:
    """With fastapi absent (simulated: a None entry in sys.modules blocks the import), one clear line."""
    code = "import sys; sys.modules['fastapi'] = None; from tomtat.cli import main; sys.exit(main(['serve']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tomtat: error: the HTTP service needs the 'serve' extra (fastapi is missing): "
        "pip install 'tomtat[serve]'"
    ]
