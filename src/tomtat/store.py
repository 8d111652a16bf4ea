"""The article store: articles grouped into stories, kept in SQLite, each story with a current summary.

>>> from tomtat import Store
>>> with Store("tomtat.db") as store:
...     report = store.ingest([{"id": "a1", "text": "...", "published": "2023-09-13"}])
...     for story in store.stories(since="2023-09-01"):
...         print(story.id, story.size, story.summary.text)

Why SQLite: one file, no server, transactions. The database runs in WAL mode and every ingest batch is
one ``BEGIN IMMEDIATE`` transaction, so a process killed mid-ingest loses only its uncommitted batch and
leaves a database that opens cleanly; a second process that wants to write waits for the lock (up to
``timeout`` seconds) and then fails with :class:`StoreBusyError` instead of corrupting anything. Before
assigning a batch the store replays whatever other processes committed since it last looked, so two
writers still group consistently.

Grouping is done by :class:`tomtat.clustering.StoryIndex`, kept in memory and rebuilt from the stored
fingerprints when a store reopens (lazily: only ``ingest`` needs it). After each batch, inside its
transaction, the index's re-assignment pass (:meth:`StoryIndex.regroup`) may move articles, including
stored ones, between stories; the store updates their rows and the stories' sizes, spans and titles, and
a story left empty answers with the story its last article went to. Summaries are computed by
:func:`tomtat.summarize` when a story is listed and cached in the database with a *dirty* flag, so only
stories that changed since are summarized again (the flag counts the story's changes, and a summary is
only stored as current when no other process changed the story while it was being made). Near-duplicate
copies are left out of the summary input.

Thread safety: one :class:`threading.RLock` guards the one connection, so worker threads of an HTTP
service can share a :class:`Store`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tomtat.errors import InputError, TomtatError
from tomtat.facts import Facts
from tomtat.feeds import FeedError, IncomingArticle, parse_published, parse_record
from tomtat.text import LONE_SURROGATE
from tomtat.types import Article, Summary, SummarySentence

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from tomtat.clustering import StoryIndex
    from tomtat.pairs import PairModel

DEFAULT_DB = "tomtat.db"
DEFAULT_BATCH = 500
DEFAULT_WORDS = 200
MAX_SUMMARY_ARTICLES = 40
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    first REAL,
    last REAL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    dirty INTEGER NOT NULL DEFAULT 1,  -- 0: the summary is current, else changes since it was made
    summary TEXT,
    summary_words INTEGER,
    merged_into INTEGER
);
CREATE INDEX IF NOT EXISTS stories_activity ON stories (COALESCE(last, updated));
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    story INTEGER NOT NULL REFERENCES stories (id),
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    published REAL,
    ingested REAL NOT NULL,
    copy_of TEXT,
    fingerprint BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
CREATE TABLE IF NOT EXISTS terms (term INTEGER PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS neighbours (seq INTEGER PRIMARY KEY REFERENCES articles (seq), near BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vectors (seq INTEGER PRIMARY KEY REFERENCES articles (seq), vector BLOB NOT NULL);
"""


class StoreBusyError(TomtatError):
    """Another process kept the database locked for longer than the store's ``timeout``."""


class StoreReadOnlyError(InputError):
    """The database can be read but not written (file or directory permissions, a read-only mount).
    An :class:`InputError` for the command line, where the user named the file; the service tells its
    clients that the server cannot store, since nothing in their request could fix it."""


@dataclass(frozen=True)
class Assignment:
    """Where one ingested article went: its story when the :meth:`Store.ingest` call returned, after the
    re-assignment passes of all its batches (a later call may still move it). ``new_story``: a story was
    made for this article in its batch. ``existing``: the id was already stored (nothing changed);
    ``differs``: and with another title or text than this one, which was not stored (an id names one
    article; the first version stays)."""

    article_id: str
    story_id: str
    new_story: bool = False
    copy_of: str | None = None
    existing: bool = False
    differs: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article_id,
            "story": self.story_id,
            "new_story": self.new_story,
            "copy_of": self.copy_of,
            "existing": self.existing,
            "differs": self.differs,
        }


@dataclass(frozen=True)
class IngestReport:
    """What an :meth:`Store.ingest` call did: counts, one :class:`Assignment` per article, skipped lines."""

    added: int = 0
    existing: int = 0
    new_stories: int = 0
    copies: int = 0
    assignments: tuple[Assignment, ...] = ()
    errors: tuple[FeedError, ...] = ()

    @property
    def differing(self) -> tuple[str, ...]:
        """Ids that were already stored with another title or text (the stored version was kept)."""
        return tuple(a.article_id for a in self.assignments if a.differs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "existing": self.existing,
            "new_stories": self.new_stories,
            "copies": self.copies,
            "assignments": [a.to_dict() for a in self.assignments],
            "errors": [e.to_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored, with the story it belongs to and the article it copies (if any)."""

    id: str
    story_id: str
    text: str
    title: str = ""
    source: str = ""
    published: datetime | None = None
    copy_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "story": self.story_id,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "published": _iso(self.published),
            "copy_of": self.copy_of,
        }


@dataclass(frozen=True)
class StoryRecord:
    """A story: its articles (in publication order), time span, title and current summary.

    ``first``/``last`` are the earliest and latest ``published`` of its articles (None when undated).
    ``summary`` cites article ids in each sentence's ``doc`` (its facts too); copies are not summarized
    twice.
    """

    id: str
    article_ids: tuple[str, ...]
    title: str
    summary: Summary
    first: datetime | None = None
    last: datetime | None = None
    copy_ids: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.article_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.id,
            "articles": list(self.article_ids),
            "size": self.size,
            "first": _iso(self.first),
            "last": _iso(self.last),
            "title": self.title,
            "summary": self.summary.text,
            "sentences": [s.to_dict() for s in self.summary.sentences],
            "facts": self.summary.facts.to_dict() if self.summary.facts is not None else None,
            "copies": list(self.copy_ids),
        }


def story_key(story: int) -> str:
    """Public story id for a database row id."""
    return f"s{story}"


def _pack_neighbours(near: list[tuple[float, int]]) -> bytes:
    """(cosine, seq) pairs as float32 cosines then uint32 seqs."""
    cosines = np.asarray([c for c, _ in near], dtype="<f4")
    seqs = np.asarray([s for _, s in near], dtype="<u4")
    return cosines.tobytes() + seqs.tobytes()


def _pack_vector(vector: tuple[array, array]) -> bytes:
    """An article's vector as uint32 terms then float32 weights (little-endian)."""
    terms, weights = vector
    return np.asarray(terms, dtype="<u4").tobytes() + np.asarray(weights, dtype="<f4").tobytes()


def _unpack_vector(blob: bytes) -> tuple[array, array]:
    half = len(blob) // 2
    terms = array("I", np.frombuffer(blob[:half], dtype="<u4").astype(np.uint32).tobytes())
    weights = array("f", np.frombuffer(blob[half:], dtype="<f4").astype(np.float32).tobytes())
    return terms, weights


def _unpack_neighbours(blob: bytes) -> list[tuple[float, int]]:
    half = len(blob) // 2
    cosines = np.frombuffer(blob[:half], dtype="<f4").tolist()
    return list(zip(cosines, np.frombuffer(blob[half:], dtype="<u4").tolist(), strict=True))


def _story_row(story_id: str) -> int | None:
    if not isinstance(story_id, str) or len(story_id) > 20:
        return None
    digits = story_id[1:]
    if not story_id.startswith("s") or not (digits.isascii() and digits.isdigit()):  # not "³", "١"
        return None
    row = int(digits)
    return row if row < 2**63 else None  # SQLite's integer range: no row can have a larger id


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


_LATEST = datetime.max.replace(tzinfo=UTC)


def _from_epoch(value: float | None) -> datetime | None:
    if value is None:
        return None
    # A float of seconds is only exact to ~30 µs in year 9999: the last instants round up past it.
    return _LATEST if value >= _LATEST.timestamp() else datetime.fromtimestamp(value, UTC)


def _since_epoch(since: datetime | date | str | None) -> float | None:
    if since is None:
        return None
    try:
        parsed = parse_published(since)
    except InputError:
        message = f"since: expected an ISO-8601 date like 2023-09-13, got {str(since)[:40]!r}"
        raise InputError(message) from None
    return parsed.timestamp() if parsed is not None else None


class Store:
    """Articles grouped into stories, persisted in SQLite (``path``) or kept in memory (``":memory:"``).

    ``timeout``: seconds to wait for another process's write lock before :class:`StoreBusyError`.
    ``index_options``: parameters of :class:`tomtat.clustering.StoryIndex` (threshold, window_days, ...).
    ``regroup``: after each batch, re-assign the batch and the stored articles whose neighbourhood it
    changed with the learned pair score (:meth:`StoryIndex.regroup`, model ``tomtat/models/pairs.json``,
    or the :class:`tomtat.pairs.PairModel` given); False keeps the arrival decisions (plain cosine).
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_DB,
        *,
        timeout: float = 30.0,
        index_options: Mapping[str, Any] | None = None,
        regroup: bool | PairModel = True,
    ) -> None:
        from tomtat.pairs import PairModel, default_model

        if not str(path).strip():  # SQLite would make a private temporary file, gone at close
            raise InputError("the database path is empty; name a file (or ':memory:' to keep nothing)")
        self.path = str(path)
        self._pair_model = regroup if isinstance(regroup, PairModel) else default_model() if regroup else None
        self.timeout = timeout
        self._index_options = dict(index_options or {})
        self._lock = threading.RLock()
        self._index: StoryIndex | None = None
        self._seqs: list[int] = []  # the seq of each index position (positions follow seq order)
        self._seen_seq = 0
        self._closed = False
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise InputError(f"{self.path}: cannot open database ({error})") from None
        try:
            self._setup()
        except sqlite3.DatabaseError as error:
            self._db.close()
            if _is_busy(error):
                raise StoreBusyError(f"{self.path}: database is locked by another process") from None
            raise InputError(f"{self.path}: not a tomtat database ({error})") from None
        except TomtatError:
            self._db.close()
            raise

    @classmethod
    def memory(cls, **options: Any) -> Store:
        """A store that lives in memory only (used by ``tomtat digest``)."""
        return cls(":memory:", **options)

    def _setup(self) -> None:
        db = self._db
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:  # another application's database: change nothing in it
            raise sqlite3.DatabaseError(f"it has other tables ({', '.join(sorted(tables)[:5])})")
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-65536")  # 64 MB: the id and term indexes of a 100k store stay hot
        db.execute("PRAGMA foreign_keys=ON")
        try:
            with self._transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
                )
        except InputError:
            if not tables:
                raise  # a read-only file with no store in it yet
            # A read-only store can still be read; ingest says it cannot write (see _Tx).
        version = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"schema version {version}, expected {SCHEMA_VERSION}")

    # -- plumbing -------------------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def _check_open(self) -> None:
        if self._closed:
            raise TomtatError("the store is closed")

    class _Tx:
        def __init__(self, store: Store) -> None:
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            try:
                self.store._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if _is_busy(error):
                    raise StoreBusyError(
                        f"{self.store.path}: another process has been writing for over "
                        f"{self.store.timeout:g} s; try again later"
                    ) from None
                raise
            return self.store._db

        def __exit__(self, kind: type | None, error: BaseException | None, *exc: object) -> None:
            if kind is None:
                self.store._db.execute("COMMIT")
                return
            if self.store._db.in_transaction:
                self.store._db.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
                raise StoreReadOnlyError(
                    f"{self.store.path}: the database is read-only; adding articles needs write access"
                ) from None

    def _transaction(self) -> Store._Tx:
        return Store._Tx(self)

    # -- ingest ---------------------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[IncomingArticle | Mapping[str, Any] | FeedError],
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Add articles and assign each to an existing or a new story; one transaction per batch.

        ``items`` may mix :class:`IncomingArticle`, plain dicts (validated like a feed line; bad ones are
        reported, not raised) and :class:`FeedError` from :func:`tomtat.feeds.read_feed` (passed through
        to the report). An id already stored is left as it is (idempotent re-ingest). ``progress`` is
        called with the number of input items handled after each batch.
        """
        if batch_size <= 0:
            raise InputError(f"batch_size must be positive, got {batch_size}")
        if isinstance(items, str | bytes | Mapping | IncomingArticle):  # iterating would go through its parts
            kind = type(items).__name__
            raise InputError(f"expected a list of articles, got one {kind}; wrap it in a list: [{kind}]")
        assignments: list[Assignment] = []
        errors: list[FeedError] = []
        batch: list[IncomingArticle] = []
        handled = 0
        for position, item in enumerate(items, start=1):
            handled += 1
            if isinstance(item, FeedError):
                errors.append(item)
            elif isinstance(item, IncomingArticle):
                batch.append(item)
            else:
                try:
                    batch.append(parse_record(item))
                except InputError as error:
                    errors.append(FeedError(position, str(error), "item"))
            if len(batch) >= batch_size:
                assignments.extend(self._ingest_batch(batch))
                batch = []
                if progress is not None:
                    progress(handled)
                handled = 0
        if batch:
            assignments.extend(self._ingest_batch(batch))
        if progress is not None and handled:
            progress(handled)
        assignments = self._final_stories(assignments)
        new = [a for a in assignments if not a.existing]
        return IngestReport(
            added=len(new),
            existing=len(assignments) - len(new),
            new_stories=sum(a.new_story for a in new),
            copies=sum(a.copy_of is not None for a in new),
            assignments=tuple(assignments),
            errors=tuple(errors),
        )

    def _final_stories(self, assignments: list[Assignment]) -> list[Assignment]:
        """The assignments with each article's story as stored now: a later batch's pass of the same call
        may have moved an article of an earlier batch."""
        current: dict[str, str] = {}
        keys = [a.article_id for a in assignments]
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT id, story FROM articles WHERE id IN ({marks})"
                current.update((key, story_key(story)) for key, story in self._db.execute(query, chunk))
        return [
            replace(a, story_id=current[a.article_id])
            if current.get(a.article_id, a.story_id) != a.story_id
            else a
            for a in assignments
        ]

    def _ingest_batch(self, batch: list[IncomingArticle]) -> list[Assignment]:
        from collections import Counter

        from tomtat.clustering import extract_terms, lead_and_body

        raws = {}
        for article in batch:
            if article.id not in raws:
                lead, body = lead_and_body(article.text)
                raws[article.id] = extract_terms(article.title, lead, body)
        with self._lock:
            self._check_open()
            with self._transaction() as db:
                index = self._sync_index()
                stored = self._stored_articles([a.id for a in batch])
                known = {key: story for key, (story, _, _) in stored.items()}
                versions = {key: (title, text) for key, (_, title, text) in stored.items()}
                fresh: list[IncomingArticle] = []
                for article in batch:
                    if article.id not in known:
                        known[article.id] = -1
                        versions[article.id] = (article.title, article.text)
                        fresh.append(article)
                index.observe(raws[a.id] for a in fresh)
                df_delta: Counter[int] = Counter()
                for article in fresh:
                    df_delta.update(raws[article.id].terms.tolist())
                db.executemany(
                    "INSERT INTO terms (term, df) VALUES (?, ?) "
                    "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
                    df_delta.items(),
                )
                now = time.time()
                results: dict[str, Assignment] = {}
                try:
                    for article in fresh:
                        results[article.id] = self._assign(db, index, article, raws[article.id], now)
                        known[article.id] = _story_row(results[article.id].story_id) or -1
                    created = {_story_row(found.story_id) for found in results.values() if found.new_story}
                    touched = index.touched()
                    if self._pair_model is not None and touched:
                        self._regroup(db, index, touched, created, now)
                    self._save_neighbours(db, index, touched)
                except BaseException:
                    self._index = None  # it holds articles that are being rolled back: rebuild on next use
                    raise
                self._seen_seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
                # Merges and the re-assignment pass may have moved any article of the batch since it
                # arrived: report where each one is now.
                final = {
                    article.id: index.story_of(article.id) for article in batch if article.id in index
                }
                created_stories = set(created)
                for key, found in results.items():  # a story made in this batch is new for its first article
                    story = final[key]
                    new_story = story in created_stories
                    results[key] = replace(found, story_id=story_key(story), new_story=new_story)
                    created_stories.discard(story)
        out: list[Assignment] = []
        for article in batch:
            fresh_result = results.pop(article.id, None)  # a repeated id in the batch counts as existing
            if fresh_result is not None:
                out.append(fresh_result)
            else:
                story = final.get(article.id, known[article.id])
                differs = versions[article.id] != (article.title, article.text)
                out.append(Assignment(article.id, story_key(story), existing=True, differs=differs))
        return out

    def _regroup(
        self,
        db: sqlite3.Connection,
        index: StoryIndex,
        positions: list[int],
        created: set[int | None],
        now: float,
    ) -> None:
        """Run the index's re-assignment pass and bring the stories table in line with its moves."""
        assert self._pair_model is not None

        def new_story(key: str) -> int:
            row = db.execute(
                "INSERT INTO stories (title, size, created, updated, dirty) VALUES ('', 0, ?, ?, 1)",
                (now, now),
            ).lastrowid
            created.add(row)
            return row

        moves = index.regroup(positions, self._pair_model, new_story)
        if not moves:
            return
        final = {move.key: move.target for move in moves}
        db.executemany("UPDATE articles SET story = ? WHERE id = ?", [(t, k) for k, t in final.items()])
        last_exit = {move.source: move.target for move in moves}
        for story in sorted({move.source for move in moves} | set(final.values())):
            db.execute(
                "UPDATE stories SET dirty = dirty + 1, summary = NULL, "
                # active when its latest article was added (what `since` means for undated stories), not
                # now: a story the pass only took articles from, or split off, has nothing new in it
                "updated = COALESCE((SELECT MAX(ingested) FROM articles WHERE story = :id), :now), "
                "size = (SELECT COUNT(*) FROM articles WHERE story = :id), "
                "first = (SELECT MIN(published) FROM articles WHERE story = :id), "
                "last = (SELECT MAX(published) FROM articles WHERE story = :id), "
                "title = CASE WHEN EXISTS (SELECT 1 FROM articles "
                "WHERE story = :id AND title = stories.title) THEN title ELSE COALESCE("
                "(SELECT title FROM articles WHERE story = :id AND title != '' "
                "ORDER BY seq LIMIT 1), '') END WHERE id = :id",
                {"now": now, "id": story},
            )
        # A story left empty answers with the story its last article went to, as a merged one does.
        for story, target in sorted(last_exit.items()):
            if index.story_size(story) == 0 and index.story_size(target) > 0:
                db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (target, story))
                db.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", (target, story))

    def _assign(
        self, db: sqlite3.Connection, index: StoryIndex, article: IncomingArticle, raw: Any, now: float
    ) -> Assignment:
        fingerprint = index.fingerprint(raw)
        published = article.published.timestamp() if article.published is not None else None

        def new_story() -> int:
            return db.execute(
                "INSERT INTO stories (title, size, first, last, created, updated, dirty) "
                "VALUES (?, 1, ?, ?, ?, ?, 1)",
                (article.title, published, published, now, now),
            ).lastrowid

        decision, story = index.place(article.id, fingerprint, new_story, published)
        if decision.merge:
            self._merge(db, decision.merge, story, now)
        if decision.story is not None:
            db.execute(
                "UPDATE stories SET size = size + 1, updated = ?, dirty = dirty + 1, "
                "first = CASE WHEN ? IS NULL THEN first ELSE MIN(COALESCE(first, ?), ?) END, "
                "last = CASE WHEN ? IS NULL THEN last ELSE MAX(COALESCE(last, ?), ?) END, "
                "title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (now, published, published, published, published, published, published, article.title, story),
            )
        seq = db.execute(
            "INSERT INTO articles (id, story, title, text, source, published, ingested, copy_of, "
            "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                story,
                article.title,
                article.text,
                article.source,
                published,
                now,
                decision.copy_of,
                fingerprint.to_bytes(),
            ),
        ).lastrowid
        self._seqs.append(seq)  # index.place gave the article the next position
        vector = _pack_vector(index.vector_of(article.id))
        db.execute("INSERT INTO vectors (seq, vector) VALUES (?, ?)", (seq, vector))
        return Assignment(article.id, story_key(story), decision.story is None, decision.copy_of)

    def _merge(self, db: sqlite3.Connection, sources: tuple[int, ...], target: int, now: float) -> None:
        """Fold stories that turned out to be one (an article bridged them) into ``target`` in the
        database (:meth:`StoryIndex.place` has folded them in the index)."""
        marks = ",".join("?" * len(sources))
        db.execute(f"UPDATE articles SET story = ? WHERE story IN ({marks})", (target, *sources))
        db.execute(
            f"UPDATE stories SET size = 0, merged_into = ?, summary = NULL WHERE id IN ({marks})",
            (target, *sources),
        )
        db.execute(f"UPDATE stories SET merged_into = ? WHERE merged_into IN ({marks})", (target, *sources))
        db.execute(
            "UPDATE stories SET dirty = dirty + 1, updated = ?, "
            "size = (SELECT COUNT(*) FROM articles WHERE story = ?), "
            "first = (SELECT MIN(published) FROM articles WHERE story = ?), "
            "last = (SELECT MAX(published) FROM articles WHERE story = ?) WHERE id = ?",
            (now, target, target, target, target),
        )

    def _stored_articles(self, ids: list[str]) -> dict[str, tuple[int, str, str]]:
        """The story, title and text of each of ``ids`` already stored: where a re-sent article is, and
        whether it is the same article or another one sent under the same id."""
        found: dict[str, tuple[int, str, str]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for article_id, story, title, text in self._db.execute(
                f"SELECT id, story, title, text FROM articles WHERE id IN ({marks})", chunk
            ):
                found[article_id] = (story, title, text)
        return found

    def _sync_index(self) -> StoryIndex:
        """The grouping index, brought up to date with every article committed by any process."""
        from tomtat.clustering import Fingerprint, StoryIndex

        db = self._db
        latest = db.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
        if self._index is not None and latest == self._seen_seq:
            return self._index
        # First use, or another process wrote since we looked (it may also have merged stories we hold
        # under old ids): rebuild from what is committed, which this transaction now sees consistently.
        self._index = index = StoryIndex(**self._index_options)
        self._seen_seq = 0
        self._seqs = []
        index.load_df(
            db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            dict(db.execute("SELECT term, df FROM terms")),
        )
        rows = db.execute(
            "SELECT a.seq, a.id, a.story, a.published, a.copy_of, a.fingerprint, v.vector "
            "FROM articles a LEFT JOIN vectors v ON v.seq = a.seq WHERE a.seq > ? ORDER BY a.seq",
            (self._seen_seq,),
        )
        for seq, article_id, story, published, copy_of, blob, vector in rows:
            index.add(
                article_id,
                Fingerprint.from_bytes(blob),
                story,
                published,
                copy=copy_of is not None,
                vector=_unpack_vector(vector) if vector is not None else None,  # None: stored before vectors
            )
            self._seqs.append(seq)
        position_of = {seq: position for position, seq in enumerate(self._seqs)}
        for seq, blob in db.execute("SELECT seq, near FROM neighbours"):
            if seq in position_of:
                near = _unpack_neighbours(blob)
                index.restore_neighbours(
                    position_of[seq], ((cosine, position_of.get(other, -1)) for cosine, other in near)
                )
        self._seen_seq = latest
        return index

    def _save_neighbours(self, db: sqlite3.Connection, index: StoryIndex, positions: list[int]) -> None:
        """Store the neighbour lists that changed in this batch, with seqs in place of index positions."""
        seqs = self._seqs
        db.executemany(
            "INSERT OR REPLACE INTO neighbours (seq, near) VALUES (?, ?)",
            [
                (seqs[position], _pack_neighbours([(c, seqs[o]) for c, o in index.neighbours(position)]))
                for position in positions
            ],
        )

    # -- reading --------------------------------------------------------------------------------------
    def count_articles(self) -> int:
        with self._lock:
            self._check_open()
            return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def count_stories(self) -> int:
        with self._lock:
            self._check_open()
            return self._db.execute("SELECT COUNT(*) FROM stories WHERE size > 0").fetchone()[0]

    def article(self, article_id: str) -> StoredArticle | None:
        """One stored article by id, or None."""
        if not isinstance(article_id, str) or LONE_SURROGATE.search(article_id):
            return None  # no such id can be stored (SQLite wants UTF-8); the query would raise
        with self._lock:
            self._check_open()
            row = self._db.execute(
                "SELECT id, story, text, title, source, published, copy_of FROM articles WHERE id = ?",
                (article_id,),
            ).fetchone()
        if row is None:
            return None
        return StoredArticle(
            id=row[0],
            story_id=story_key(row[1]),
            text=row[2],
            title=row[3],
            source=row[4],
            published=_from_epoch(row[5]),
            copy_of=row[6],
        )

    def stories(
        self,
        since: datetime | date | str | None = None,
        *,
        words: int = DEFAULT_WORDS,
        limit: int | None = None,
        workers: int = 1,
        executor: Executor | None = None,
    ) -> list[StoryRecord]:
        """Stories active at or after ``since`` (latest article published then, or ingested then when
        undated), most recently active first, each with a summary of at most ``words`` syllables; at most
        ``limit`` of them (the most recent) when given.

        Only stories changed since their last summary (or summarized at another length) are summarized
        again, in ``workers`` processes (:func:`tomtat.parallel.map_in_workers`) or in ``executor``, a
        pool that is already running (the HTTP service's workers); the rest come from the database.
        Stories past ``limit`` are not summarized at all.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise InputError(f"limit must be a whole number, 0 or more, got {limit!r}")
        from tomtat.parallel import check_workers

        check_workers(workers)
        threshold = _since_epoch(since)
        with self._lock:
            self._check_open()
            active = "" if threshold is None else "AND COALESCE(last, updated) >= :since "
            rows = self._db.execute(
                f"SELECT id FROM stories WHERE size > 0 {active}"
                "ORDER BY COALESCE(last, updated) DESC, id DESC LIMIT :limit",
                {"since": threshold, "limit": -1 if limit is None else limit},
            ).fetchall()
            stories = [story for (story,) in rows]
            parallel = workers > 1 or executor is not None
            made = self._summarize_stale(stories, words, workers, executor) if parallel else {}
            records = (self._story(story, words, made.get(story)) for story in stories)
            return [record for record in records if record is not None]

    def _summarize_stale(
        self, stories: list[int], words: int, workers: int, executor: Executor | None = None
    ) -> dict[int, Summary]:
        """Summarize, in worker processes, the stories whose stored summary is missing or stale; store
        the summaries and return them by story."""
        from tomtat.parallel import map_in_workers
        from tomtat.summarizer import summarize

        changes = {story: self._changes_if_stale(story, words) for story in stories}  # before the inputs
        stale = [story for story in stories if changes[story] is not None]
        inputs = (self._summary_input(story) for story in stale)
        function = partial(summarize, words=words)
        summaries = executor.map(function, inputs) if executor else map_in_workers(function, inputs, workers)
        made: dict[int, Summary] = {}
        for story, summary in zip(stale, summaries, strict=True):  # saved as they come: Ctrl-C keeps them
            self._save_summary(story, summary, words, changes[story])
            made[story] = summary
        return made

    def _changes_if_stale(self, story: int, words: int) -> int | None:
        """The story's change count when its stored summary is missing or stale, else None."""
        row = self._db.execute(
            "SELECT dirty, summary, summary_words FROM stories WHERE id = ?", (story,)
        ).fetchone()
        return None if row is None or _is_fresh(*row, words) else row[0]

    def story(self, story_id: str, *, words: int = DEFAULT_WORDS) -> StoryRecord | None:
        """One story by its id (``"s12"``), or None when there is no such story.

        A story that was merged into another (a later article showed they were one story) answers with
        the story it was merged into, so ids handed out earlier keep working.
        """
        row = _story_row(story_id)
        if row is None:
            return None
        with self._lock:
            self._check_open()
            found = self._db.execute("SELECT merged_into FROM stories WHERE id = ?", (row,)).fetchone()
            if found is not None and found[0] is not None:
                row = found[0]  # that story was merged into another one: answer with the survivor
            return self._story(row, words)

    def _story(self, story: int, words: int, summary: Summary | None = None) -> StoryRecord | None:
        """The story's record; its summary is ``summary`` when given (just made), else the stored one
        when fresh, else made now and stored."""
        db = self._db
        head = db.execute(
            "SELECT title, first, last, dirty, summary, summary_words FROM stories WHERE id = ? AND size > 0",
            (story,),
        ).fetchone()
        if head is None:
            return None
        title, first, last, dirty, cached, cached_words = head
        members = db.execute(
            "SELECT id, copy_of FROM articles WHERE story = ? ORDER BY COALESCE(published, ingested), seq",
            (story,),
        ).fetchall()
        if summary is None and _is_fresh(dirty, cached, cached_words, words):
            summary = _summary_from_json(cached, words)
        if summary is None:
            summary = self._summarize(story, words)
            self._save_summary(story, summary, words, dirty)
        return StoryRecord(
            id=story_key(story),
            article_ids=tuple(article_id for article_id, _ in members),
            title=title,
            summary=summary,
            first=_from_epoch(first),
            last=_from_epoch(last),
            copy_ids=tuple(article_id for article_id, copy_of in members if copy_of is not None),
        )

    def _summarize(self, story: int, words: int) -> Summary:
        from tomtat.summarizer import summarize

        return summarize(self._summary_input(story), words=words)

    def _summary_input(self, story: int) -> list[Article]:
        """The articles a story's summary is made from: its latest originals, oldest first."""
        rows = self._db.execute(
            "SELECT id, title, text FROM articles WHERE story = ? AND copy_of IS NULL "
            "ORDER BY COALESCE(published, ingested) DESC, seq DESC LIMIT ?",
            (story, MAX_SUMMARY_ARTICLES),
        ).fetchall()
        if not rows:  # only copies left (cannot happen through ingest, but be safe)
            rows = self._db.execute(
                "SELECT id, title, text FROM articles WHERE story = ? ORDER BY seq LIMIT 1", (story,)
            ).fetchall()
        return [Article(text=text, title=title, source=key) for key, title, text in reversed(rows)]

    def _save_summary(self, story: int, summary: Summary, words: int, changes: int) -> None:
        """Cache a summary made when the story's change count (``dirty``) was ``changes``; skipped (not an
        error) when another process holds the write lock, or has changed the story since: a summary of
        the articles before that change stays stale, and is made again at the next listing."""
        payload = json.dumps(
            {
                "sentences": [s.to_dict() for s in summary.sentences],
                "sources": list(summary.sources),
                "facts": summary.facts.to_dict() if summary.facts is not None else None,
            },
            ensure_ascii=False,
        )
        try:
            outer = self._db.in_transaction
            if not outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE stories SET summary = ?, summary_words = ?, dirty = 0 WHERE id = ? AND dirty = ?",
                (payload, words, story, changes),
            )
            if not outer:
                self._db.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if not _is_busy(error) and "readonly" not in str(error):
                raise


def _is_fresh(dirty: int, cached: str | None, cached_words: int | None, words: int) -> bool:
    """Whether a stored summary still holds: the story has not changed and it was made at this length."""
    return not dirty and cached is not None and cached_words == words


def _summary_from_json(payload: str, words: int) -> Summary | None:
    """A cached summary, or None when it was cached by an older tomtat without facts (summarize again)."""
    data = json.loads(payload)
    if not isinstance(data, dict) or "facts" not in data:
        return None
    sentences = tuple(SummarySentence(**item) for item in data["sentences"])
    facts = Facts.from_dict(data["facts"]) if data["facts"] is not None else None
    return Summary(sentences=sentences, words=words, sources=tuple(data["sources"]), facts=facts)


def _is_busy(error: sqlite3.Error) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


@dataclass(frozen=True)
class DigestResult:
    """The output of :func:`digest`: stories with summaries and the inputs that were skipped."""

    stories: tuple[StoryRecord, ...]
    report: IngestReport = field(default_factory=IngestReport)


def digest(
    items: Iterable[IncomingArticle | Mapping[str, Any] | FeedError],
    *,
    words: int = DEFAULT_WORDS,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    index_options: Mapping[str, Any] | None = None,
    regroup: bool = True,
    workers: int = 1,
) -> DigestResult:
    """Ingest, group and summarize in one go with an in-memory store (``tomtat digest``).

    Stories come back in order of their first article's arrival, so the output follows the input.
    ``regroup=False`` skips the re-assignment pass (see :class:`Store`); ``workers`` processes write
    the summaries.
    """
    from tomtat.parallel import check_workers

    check_workers(workers)  # before the grouping, which may take long
    with Store.memory(index_options=index_options, regroup=regroup) as store:
        report = store.ingest(items, batch_size=batch_size, progress=progress)
        records = store.stories(words=words, workers=workers)
    order: dict[str, int] = {}
    for position, assignment in enumerate(report.assignments):
        order.setdefault(assignment.article_id, position)  # an id sent again arrived the first time
    ranked = sorted(records, key=lambda r: min(order.get(a, 0) for a in r.article_ids))
    return DigestResult(stories=tuple(ranked), report=report)
