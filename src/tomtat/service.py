"""tomtat over HTTP: a FastAPI app for newsroom tools, and the page an editor opens in a browser.

The service is a thin shell around the library, so the HTTP JSON is exactly what ``tomtat summarize
--format json`` prints (:meth:`tomtat.Summary.to_dict`). What the shell adds is what a network boundary
needs:

* every failure a client can cause is a 4xx with one JSON shape, ``{"error": {"code", "message"}}`` —
  FastAPI's own validation errors and malformed JSON included — so clients never parse HTML or a 500;
* the body size is limited while the body is *read* (a client can lie in ``Content-Length`` or send a
  chunked body without one), before any JSON parsing allocates for it;
* summaries and store calls run in worker threads, so one long request does not stall the event loop
  and, with it, every other client;
* with ``workers`` > 1, the summaries of ``/v1/summarize`` run in that many worker processes instead
  (:class:`SummaryWorkers`): threads of one process share one core, because a summary holds the GIL.

``create_app`` is a factory (no module-level app, no hidden state): tests build apps with their own store
and limits, and ``tomtat serve`` builds one from its command-line options.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import multiprocessing
import os
import queue
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio
import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tomtat import __version__
from tomtat.errors import InputError, TomtatError
from tomtat.parallel import _start_workers, check_workers
from tomtat.sentences import segment
from tomtat.summarizer import DEFAULT_WORDS, MAX_WORDS, as_articles, default_scorer, summarize
from tomtat.text import LONE_SURROGATE
from tomtat.types import Article

if TYPE_CHECKING:
    from tomtat.store import Store, StoryRecord

STATIC_DIR = Path(__file__).parent / "static"
MEBIBYTE = 1024 * 1024
log = logging.getLogger("tomtat.service")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; beyond these the client gets a 4xx, not a slow or dead server."""

    max_body_bytes: int = 20 * MEBIBYTE
    max_articles: int = 500
    max_words: int = MAX_WORDS
    max_stories: int = 1000
    summary_threads: int = max(2, os.cpu_count() or 2)


class ApiError(Exception):
    """A failure with its HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    message = LONE_SURROGATE.sub("\ufffd", message)  # it may quote the client's input, which UTF-8 cannot
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


# --- request models ----------------------------------------------------------------------------------

MAX_UNKNOWN_FIELDS = 3  # as many as an error message names (_validation_response)


class _Strict(BaseModel):
    """A request object: an unknown field (a typo) is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        """Leave ``extra="forbid"`` only the first few unknown fields to report: it makes one error object
        per field, and 20 MB of ``"k0": 0, "k1": 0, …`` is 2 million (seconds of the event loop, GBs)."""
        if isinstance(data, dict) and len(data) > len(cls.model_fields) + MAX_UNKNOWN_FIELDS:
            unknown = [key for key in data if key not in cls.model_fields]
            dropped = set(unknown[MAX_UNKNOWN_FIELDS:])
            data = {key: value for key, value in data.items() if key not in dropped}
        return data


class ArticleIn(_Strict):
    """One article to summarize; only ``text`` is required."""

    text: StrictStr = Field(description="The article body; paragraphs separated by newlines.")
    title: StrictStr = ""
    lead: StrictStr = Field("", description="The publisher's sapo, if it is separate from the body.")
    source: StrictStr = Field("", description="How citations name this article (default: its position).")

    def to_article(self) -> Article:
        return Article(text=self.text, title=self.title, lead=self.lead, source=self.source)


class SummarizeRequest(_Strict):
    articles: list[ArticleIn] = Field(min_length=1, description="Articles about one story.")
    words: StrictInt = Field(DEFAULT_WORDS, description="Length budget in syllables.")
    with_articles: StrictBool = Field(
        False,
        description="Also return every article split into sentences (``sentence`` in the summary indexes "
        "them), so a client can show a summary sentence in its context.",
    )


class IncomingArticleIn(_Strict):
    """One article for the story store, as a line of ``tomtat ingest`` input."""

    id: StrictStr | StrictInt
    text: StrictStr
    title: StrictStr | None = None  # null is "", as in a tomtat ingest line (feeds.parse_record)
    source: StrictStr | None = None
    published: StrictStr | None = None

    @field_validator("id", mode="wrap")
    @classmethod
    def _one_error_for_id(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """One error naming ``id``, not one per member of the union at paths ``id.str`` and ``id.int``."""
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("id_type", "Input should be a string or a whole number") from None


class IngestRequest(_Strict):
    articles: list[IncomingArticleIn] = Field(min_length=1)


Body = TypeVar("Body", SummarizeRequest, IngestRequest)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _at_most(model: type[Body], max_articles: int) -> type[Body]:
    """``model`` refusing more than ``max_articles`` articles before it validates any of them.

    Past the limit, pydantic would validate every item first, one error object per bad one: 20 MB of
    ``{},`` is 7 million, a minute of the event loop (every other client waits) and gigabytes of memory.
    A ``max_length`` is checked on the list's length, first; :func:`_validation_response` names it.
    """
    field = model.model_fields["articles"]
    articles = Field(min_length=1, max_length=max_articles, description=field.description)
    limited = create_model(
        model.__name__, __base__=model, __doc__=model.__doc__, articles=(field.annotation, articles)
    )
    return cast(type[Body], limited)


def _body(model: type[BaseModel]) -> Callable[[Endpoint], Endpoint]:
    """Make ``model`` the type of an endpoint's ``request`` body (one built per app, see :func:`_at_most`)."""

    def annotate(endpoint: Endpoint) -> Endpoint:
        endpoint.__annotations__["request"] = model
        return endpoint

    return annotate


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. words_out_of_range.")
    message: str = Field(description="One line for a human: what is wrong and how to fix it.")


class ErrorBody(BaseModel):
    """Every error response, whatever its status."""

    error: ErrorDetail


_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed JSON"),
        (413, "Body over the size limit"),
        (415, "Body not sent as JSON"),
        (422, "Invalid request: a missing or mistyped field, an empty article, a value out of range"),
    )
}


# --- body size limit -------------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware that reads the body itself, counting bytes, and answers 413 past ``limit``.

    A declared ``Content-Length`` over the limit is refused before reading anything; otherwise the chunks
    are counted as they arrive, which also catches chunked bodies and lying headers. The accepted body is
    replayed to the app, which would have buffered it anyway to parse JSON.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                await error_response(400, "bad_request", "invalid Content-Length header")(
                    scope, receive, send
                )
                return
            if too_big:
                await self._refuse(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        megabytes = self.limit / MEBIBYTE
        size = f"{megabytes:g} MB" if megabytes >= 1 else f"{self.limit} bytes"
        response = error_response(413, "body_too_large", f"request body is larger than the {size} limit")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


# --- error handlers --------------------------------------------------------------------------------

_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or "body"


def _validation_response(error: RequestValidationError) -> JSONResponse:
    problems = list(error.errors())
    first = problems[0] if problems else {"type": "", "loc": (), "msg": "invalid request"}
    if first["type"] == "json_invalid":
        detail = (first.get("ctx") or {}).get("error", "")
        position = first["loc"][-1] if first["loc"] else "?"
        return error_response(
            400, "malformed_json", f"body is not valid JSON ({detail} at character {position})"
        )
    if first["type"] in ("model_attributes_type", "dict_type") and tuple(first["loc"]) == ("body",):
        if isinstance(first.get("input"), bytes | bytearray):
            return error_response(
                415, "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'"
            )
        return error_response(422, "invalid_request", "body must be a JSON object")
    for problem in problems:
        if problem["type"] == "too_long" and tuple(problem["loc"]) == ("body", "articles"):
            context = problem.get("ctx") or {}
            return _too_many(context.get("actual_length", "too many"), context.get("max_length", "?"))
    messages = [f"{_location(tuple(p['loc']))}: {p['msg']}" for p in problems[:3]]
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return error_response(422, "invalid_request", "; ".join(messages) + more)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "http_error")
        message = error.detail if isinstance(error.detail, str) else json.dumps(error.detail)
        if error.status_code == 404 and message == "Not Found":
            message = "no such endpoint; see /docs for the API"
        if error.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's answer when json.loads fails other than on syntax: bytes that are not UTF-8, or
            # JSON past the parser's limits (nesting deeper than the recursion limit, a 4300-digit number).
            code, message = "malformed_json", (
                "body could not be read as JSON: it is not UTF-8 text, nests too deeply or has a number "
                "too long"
            )
        response = error_response(error.status_code, code, message)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(InputError)
    async def input_error(_request: Request, error: InputError) -> JSONResponse:
        if type(error).__name__ == "StoreReadOnlyError":  # the server's file: no request could fix it
            return error_response(503, "store_read_only", str(error))
        return error_response(422, "invalid_input", str(error))

    @app.exception_handler(TomtatError)
    async def tomtat_error(_request: Request, error: TomtatError) -> JSONResponse:
        if type(error).__name__ == "StoreBusyError":
            return error_response(503, "store_busy", str(error))
        return error_response(422, "invalid_input", str(error))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return error_response(
            500, "internal_error", "tomtat failed unexpectedly; this is a bug, please report it"
        )


# --- the app ---------------------------------------------------------------------------------------


def _summarize_payload(articles: list[Article], words: int, with_articles: bool) -> dict[str, Any]:
    """What ``POST /v1/summarize`` returns; runs in a worker thread or process (CPU-bound)."""
    summary = summarize(articles, words=words)
    payload = summary.to_dict()
    if with_articles:
        story = segment(as_articles(articles))
        payload["articles"] = [
            {
                "source": article.source,
                "title": article.title,
                "sentences": [
                    {"text": s.text, "paragraph": s.paragraph, "kind": str(s.kind)} for s in story.of_doc(doc)
                ],
            }
            for doc, article in enumerate(story.articles)
        ]
    return payload


def _check_words(words: int, limits: Limits) -> int:
    if not 1 <= words <= limits.max_words:
        raise ApiError(
            422, "words_out_of_range", f"words must be between 1 and {limits.max_words}, got {words}"
        )
    return words


def _check_since(since: str | None) -> None:
    from tomtat.feeds import parse_published

    try:
        parse_published(since)
    except InputError:
        raise ApiError(
            422, "invalid_since", f"since must be an ISO date or datetime such as 2023-09-13, got {since!r}"
        ) from None


def _too_many(count: object, limit: object) -> JSONResponse:
    return error_response(422, "too_many_articles", f"{count} articles in one request; the limit is {limit}")


# --- summaries in worker processes -----------------------------------------------------------------

WORKER_START_SECONDS = 120  # to start a worker and load its model; it takes about a second


class SummaryWorkers:
    """``workers`` processes that make the ``/v1/summarize`` payloads for as long as the app runs.

    They are started as ``tomtat batch --workers`` starts its own (:func:`tomtat.parallel._start_workers`:
    spawned, Ctrl-C left to the server, one BLAS thread each), and each loads the model before the server
    takes its first request. The payload function is the one the threads run, so the JSON is the same;
    an exception raised in a worker (an :class:`InputError`) is raised again in the server, where the
    usual handlers turn it into the usual 4xx.

    A worker that dies (killed, out of memory) breaks the whole pool. The requests it held get a 503 and
    a fresh pool replaces it, so that the server does not answer every later request with an error.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._replacing = asyncio.Lock()

    def start(self) -> None:
        """Start the processes and wait until each has loaded the model (blocks: call it in a thread)."""
        self._pool = _start_ready_workers(self.workers)

    def close(self) -> None:
        """Let running summaries finish, drop queued ones, and stop the processes."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker; the event loop serves other requests meanwhile."""
        pool = self._running()
        try:
            return await asyncio.wrap_future(pool.submit(function, *args))
        except BrokenProcessPool:
            raise await self._failed(pool) from None

    async def run_with_pool(
        self, function: Callable[..., Any], *args: Any, limiter: anyio.CapacityLimiter | None = None
    ) -> Any:
        """``function(*args, pool)`` in a thread of this process (one of ``limiter``'s), handing it the
        running pool to map over (``Store.stories(executor=...)`` summarizes a story list in it)."""
        pool = self._running()
        try:
            return await anyio.to_thread.run_sync(functools.partial(function, *args, pool), limiter=limiter)
        except BrokenProcessPool:
            raise await self._failed(pool) from None

    def _running(self) -> ProcessPoolExecutor:
        if self._pool is None:
            raise RuntimeError("the summary workers are not running (create_app's lifespan starts them)")
        return self._pool

    async def _failed(self, pool: ProcessPoolExecutor) -> ApiError:
        """Replace a pool a dead worker broke; the error the requests it held answer with."""
        await self._replace(pool)
        message = "a summary worker stopped unexpectedly and was restarted; send the request again"
        return ApiError(503, "worker_failed", message)

    async def _replace(self, broken: ProcessPoolExecutor) -> None:
        async with self._replacing:
            if self._pool is not broken:  # another request has replaced it already
                return
            log.error("a summary worker stopped unexpectedly; starting %d new ones", self.workers)
            broken.shutdown(wait=False, cancel_futures=True)
            try:
                self._pool = await anyio.to_thread.run_sync(_start_ready_workers, self.workers)
            except Exception:  # the next request that finds the pool broken tries again
                log.exception("could not restart the summary workers")


def _start_ready_workers(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, returned once every one of them has loaded the model."""
    ready = multiprocessing.get_context("spawn").Queue()
    pool = _start_workers(workers, _load_model, (ready,))
    try:
        for _ in range(workers):
            try:
                problem = ready.get(timeout=WORKER_START_SECONDS)
            except queue.Empty:
                message = f"the summary workers did not start within {WORKER_START_SECONDS} s"
                raise TomtatError(message) from None
            if problem is not None:
                raise TomtatError(f"a summary worker could not load the model: {problem}")
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        ready.close()
    return pool


def _load_model(ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Each worker's initializer: load the model now, not on its first request, then say how it went."""
    try:
        default_scorer()
    except Exception as error:  # reported by the server, which then stops; no traceback from here
        ready.put(str(error) or type(error).__name__)
        return
    ready.put(None)


def create_app(store: Store | None = None, limits: Limits | None = None, workers: int = 1) -> FastAPI:
    """Build the HTTP app; ``store`` backs ``/v1/articles`` and ``/v1/stories`` (503 without one).

    The caller owns ``store`` and closes it; the app only uses it. With ``workers`` > 1, the summaries of
    ``/v1/summarize`` and of a ``/v1/stories`` list are made in that many processes
    (:class:`SummaryWorkers`), started and stopped with the app (its lifespan); store calls stay in this
    process, in threads.
    """
    limits = limits or Limits()
    summary_workers = SummaryWorkers(workers) if check_workers(workers) > 1 else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        if summary_workers is None or store is not None:  # the store's summaries are made here
            await run_in_threadpool(default_scorer)  # load the model now, not on the first user's request
        if summary_workers is None:
            yield
            return
        await anyio.to_thread.run_sync(summary_workers.start)
        try:
            yield
        finally:  # blocking, and not awaited, so that it also runs when the server cancels the lifespan
            summary_workers.close()

    app = FastAPI(
        title="tomtat",
        version=__version__,
        description="Offline Vietnamese multi-document news summarization. Every error is "
        '`{"error": {"code", "message"}}` with a 4xx status.',
        lifespan=lifespan,
        responses=_ERROR_RESPONSES,
        docs_url=None,
        redoc_url=None,
    )
    app.state.summary_workers = summary_workers  # None with one process; tests and monitoring look at it
    _install_docs(app)
    _install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=limits.max_body_bytes)

    limiters: dict[str, anyio.CapacityLimiter] = {}

    def limiter(name: str) -> anyio.CapacityLimiter:
        if name not in limiters:  # created on first use, inside the running event loop
            limiters[name] = anyio.CapacityLimiter(limits.summary_threads if name == "summary" else 1)
        return limiters[name]

    async def summary_thread(func: Callable[..., Any], *args: Any) -> Any:
        """Run a summary in a worker thread, at most ``limits.summary_threads`` at a time.

        Summaries are CPU-bound and hold the GIL, so more threads than cores only add switching; queued
        requests wait their turn in order while the event loop keeps serving everything else.
        """
        return await anyio.to_thread.run_sync(functools.partial(func, *args), limiter=limiter("summary"))

    async def store_thread(func: Callable[..., Any], *args: Any) -> Any:
        """Run a store call in a worker thread, one at a time: the store's lock takes them one at a time
        anyway, and calls waiting their turn in the default pool held its threads, which also serve the
        page and its static files (40 waiting /v1/stories requests and the page hung)."""
        return await anyio.to_thread.run_sync(functools.partial(func, *args), limiter=limiter("store"))

    def need_store() -> Store:
        if store is None:
            raise ApiError(
                503, "no_store", "this server has no story store; start it with tomtat serve --db PATH"
            )
        return store

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "store": store is not None}

    # Uptime monitors and `curl -I` ask with HEAD, which FastAPI does not add to a GET route (uvicorn sends
    # the headers only); out of the schema, where it would repeat the GET's operation id.
    app.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)

    @app.post("/v1/summarize", tags=["summaries"])
    @_body(_at_most(SummarizeRequest, limits.max_articles))
    async def summarize_articles(request: SummarizeRequest) -> dict[str, Any]:
        """Summarize articles about one story; the same JSON as ``tomtat summarize --format json``."""
        words = _check_words(request.words, limits)
        articles = [item.to_article() for item in request.articles]
        if summary_workers is not None:
            return await summary_workers.run(_summarize_payload, articles, words, request.with_articles)
        return await summary_thread(_summarize_payload, articles, words, request.with_articles)

    @app.post("/v1/articles", tags=["stories"])
    @_body(_at_most(IngestRequest, limits.max_articles))
    async def ingest_articles(request: IngestRequest) -> dict[str, Any]:
        """Add articles to the story store; each joins an existing story or starts a new one."""
        target = need_store()
        records = [item.model_dump(exclude_none=True) for item in request.articles]
        return await store_thread(_ingest, target, records)

    @app.get("/v1/stories", tags=["stories"])
    async def list_stories(
        since: str | None = Query(None, description="ISO date or datetime; stories active since then."),
        words: int = Query(DEFAULT_WORDS, description="Summary length in syllables."),
        limit: int = Query(100, ge=1, description="At most this many stories, newest first."),
    ) -> dict[str, Any]:
        target = need_store()
        _check_words(words, limits)
        _check_since(since)
        if limit > limits.max_stories:
            raise ApiError(
                422, "limit_out_of_range", f"limit must be at most {limits.max_stories}, got {limit}"
            )
        if summary_workers is not None:  # the stale summaries of the list are made in the workers
            return await summary_workers.run_with_pool(
                _stories_payload, target, since, words, limit, limiter=limiter("store")
            )
        return await store_thread(_stories_payload, target, since, words, limit)

    @app.get("/v1/stories/{story_id}", tags=["stories"])
    async def get_story(story_id: str, words: int = Query(DEFAULT_WORDS)) -> dict[str, Any]:
        target = need_store()
        _check_words(words, limits)
        payload = await store_thread(_one_story_payload, target, story_id, words)
        if payload is None:
            raise ApiError(404, "story_not_found", f"no story with id {story_id!r}")
        return payload

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)

    app.mount("/static", _RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
    return app


class _RevalidatedStaticFiles(StaticFiles):
    """The page's script and style, which a browser must revalidate (by ETag, a 304 when unchanged) on
    every load: without a Cache-Control header it may keep a copy for days by its own heuristics, and
    after an upgrade run the old script against the new API."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = _PAGE_HEADERS["Cache-Control"]  # as the page itself
        return response


# The page loads nothing from elsewhere; the policy makes that a guarantee the browser enforces.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:",
    "Cache-Control": "no-cache",
}


def _install_docs(app: FastAPI) -> None:
    """Interactive docs at ``/docs`` from a locally installed Swagger UI, so they work offline too.

    FastAPI's default page loads Swagger UI from a CDN, which a newsroom's closed network may not reach;
    ``swagger-ui-py`` (in the ``serve`` extra) ships the files. Without it, fall back to the CDN page.
    """
    try:
        import swagger_ui
    except ImportError:
        swagger_ui = None
    assets = Path(swagger_ui.__file__).parent / "static" if swagger_ui else None
    if assets is None or not (assets / "swagger-ui-bundle.js").is_file():
        log.info("swagger-ui-py is not installed; /docs loads Swagger UI from a CDN")

        @app.get("/docs", include_in_schema=False)
        async def cdn_docs() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="tomtat API")

        return

    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="tomtat API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def _ingest(store: Store, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Validate every record first so a bad one rejects the batch instead of half-ingesting it."""
    from tomtat.feeds import parse_record

    incoming = []
    for position, record in enumerate(records):
        record["id"] = str(record["id"])
        try:
            incoming.append(parse_record(record))
        except InputError as error:
            raise ApiError(422, "invalid_article", f"articles[{position}]: {error}") from None
    return store.ingest(incoming).to_dict()


def _story_payload(store: Store, story: StoryRecord) -> dict[str, Any]:
    """A story with its summary, and its articles expanded (not just ids) so a reader can open them."""
    payload = story.to_dict()
    articles = (store.article(article_id) for article_id in story.article_ids)
    payload["articles"] = [article.to_dict() for article in articles if article is not None]
    return payload


def _one_story_payload(store: Store, story_id: str, words: int) -> dict[str, Any] | None:
    story = store.story(story_id, words=words)
    return None if story is None else _story_payload(store, story)


def _stories_payload(
    store: Store, since: str | None, words: int, limit: int, pool: Executor | None = None
) -> dict[str, Any]:
    stories = store.stories(since, words=words, limit=limit, executor=pool)
    return {"stories": [_story_payload(store, story) for story in stories]}


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str | None = None,
    log_level: str = "info",
    workers: int = 1,
) -> None:
    """Run the service with uvicorn until interrupted (what ``tomtat serve`` calls).

    ``db`` is the story store's SQLite file (default ``tomtat.db``, the one ``tomtat ingest`` fills);
    ``":memory:"`` keeps stories in memory only. ``workers`` > 1 makes ``/v1/summarize`` summaries in
    that many processes (:func:`create_app`).
    """
    import uvicorn

    from tomtat.store import DEFAULT_DB, Store

    check_workers(workers)
    _check_address(host, port)
    store = Store(db or DEFAULT_DB)
    try:
        app = create_app(store=store, workers=workers)
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        store.close()


def _check_address(host: str, port: int) -> None:
    """Bind ``host:port`` once as uvicorn will, so a port in use or an unknown host is a
    :class:`TomtatError` before anything loads; uvicorn itself logs it among INFO lines and exits with
    status 3. (Another process could still take the port in between; uvicorn then reports it as before.)"""
    if not host:  # bind("") is every interface: an unset variable (--host "$HOST") must not open the service
        raise TomtatError("the host is empty; use 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise TomtatError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None
