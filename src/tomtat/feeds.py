"""Reading articles to ingest: a JSONL feed or a directory of ``*.txt`` files, with per-line errors.

A feed line is ``{"id": str, "text": str, "title"?: str, "source"?: str, "published"?: ISO-8601}``.
A bad line (invalid JSON, a missing or empty ``text``, an unknown field, a date that does not parse)
becomes a :class:`FeedError` with its line number in the place of the article, so one broken line of an
archive of 100,000 does not stop the others from being ingested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tomtat.errors import InputError
from tomtat.files import checked_path, expand_paths, is_stream, missing, read_article
from tomtat.sentences import infer_title
from tomtat.text import LONE_SURROGATE, jsonl_line, normalize

FIELDS = frozenset({"id", "text", "title", "source", "published"})
MAX_ID_LENGTH = 512


@dataclass(frozen=True)
class IncomingArticle:
    """One article to ingest. ``published`` is timezone-aware UTC (naive input is taken as UTC)."""

    id: str
    text: str
    title: str = ""
    source: str = ""
    published: datetime | None = None

    def __post_init__(self) -> None:
        # Checked here, not only in parse_record, because Store.ingest takes an IncomingArticle as it is:
        # one made by hand with a number for its text or a date string crashed inside the transaction,
        # and one with an empty text was stored and then broke every later listing of its story. These
        # checks are cheap (no normalization: a feed line's text is already normalized by parse_record).
        for name in ("title", "source"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, "")
        for name in ("id", "text", "title", "source"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InputError(f'"{name}" must be a string, got {type(value).__name__}')
            if LONE_SURROGATE.search(value):  # half an emoji: SQLite and UTF-8 output cannot take it
                raise InputError(f'"{name}" is not valid Unicode (a lone surrogate)')
        if not self.id.strip():
            raise InputError('missing or empty "id" (a string)')
        if not self.text.strip():
            raise InputError(f"article {self.id!r} has empty text")
        if self.published is not None:
            if not isinstance(self.published, datetime):
                kind = type(self.published).__name__
                raise InputError(f'"published" must be a datetime or None, got {kind} (see parse_published)')
            if self.published.tzinfo is None:
                object.__setattr__(self, "published", self.published.replace(tzinfo=UTC))

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.title:
            record["title"] = self.title
        if self.source:
            record["source"] = self.source
        if self.published is not None:
            record["published"] = self.published.isoformat()
        return record


@dataclass(frozen=True)
class FeedError:
    """An input line (or file, ``line`` 0 then) that was skipped, and why; ``where`` names the file."""

    line: int
    message: str
    where: str = ""

    def __str__(self) -> str:
        location = f"{self.where}:{self.line}" if self.line else self.where
        return f"{location}: {self.message}" if location else self.message

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message, "where": self.where}


def parse_published(value: Any) -> datetime | None:
    """An ISO-8601 date or datetime (``2023-09-13``, ``2023-09-13T08:30:00+07:00``, ``...Z``) → UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f'"published" is not an ISO-8601 date or datetime: {value[:40]!r}') from None
    else:
        raise InputError(f'"published" must be an ISO-8601 string, got {type(value).__name__}')
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-12:00 is past datetime.max once in UTC
        raise InputError(f'"published" is out of range in UTC: {str(value)[:40]!r}') from None


def _string(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f'"{key}" must be a string, got {type(value).__name__}')
    return value


def parse_record(record: Any) -> IncomingArticle:
    """Validate one decoded feed record; raise :class:`InputError` with a one-line reason."""
    if not isinstance(record, Mapping):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        allowed = ", ".join(sorted(FIELDS))
        raise InputError(f"unknown field(s) {', '.join(map(repr, unknown))}; allowed: {allowed}")
    identifier = record.get("id")
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)
    if identifier is not None and not isinstance(identifier, str):
        raise InputError(f'"id" must be a string or a whole number, got {type(identifier).__name__}')
    if identifier is None or not identifier.strip():
        raise InputError('missing or empty "id" (a string)')
    if len(identifier) > MAX_ID_LENGTH:
        raise InputError(f'"id" is longer than {MAX_ID_LENGTH} characters')
    if LONE_SURROGATE.search(identifier):  # half an emoji: SQLite and UTF-8 output cannot take it
        raise InputError(f'"id" {identifier!r} is not valid Unicode (a lone surrogate)')
    if "text" not in record:
        raise InputError('missing "text"')
    text = normalize(_string(record, "text"))
    if not text:
        raise InputError(f"article {identifier!r} has empty text")
    return IncomingArticle(
        id=identifier.strip(),
        text=text,
        title=normalize(_string(record, "title")).replace("\n", " "),
        source=normalize(_string(record, "source")).replace("\n", " "),
        published=parse_published(record.get("published")),
    )


def iter_jsonl(path: Path) -> Iterator[IncomingArticle | FeedError]:
    """Every non-blank line of a JSONL feed as an article or a :class:`FeedError`."""
    where = str(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - opened here so a bad path fails before iteration
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = jsonl_line(raw)
            except UnicodeDecodeError as error:
                yield FeedError(number, f"not valid UTF-8 (byte {error.start})", where)
                continue
            if not line.strip():
                continue
            try:
                yield parse_record(json.loads(line))
            except json.JSONDecodeError as error:
                yield FeedError(number, f"invalid JSON ({error.msg} at column {error.colno})", where)
            except InputError as error:
                yield FeedError(number, str(error), where)


def iter_directory(path: Path) -> Iterator[IncomingArticle | FeedError]:
    """One article per ``*.txt`` file (id = file name, title = its headline line), sorted by name.

    Files are listed and read as ``tomtat summarize`` reads them (:mod:`tomtat.files`); a file that cannot
    be read becomes a :class:`FeedError` instead of stopping the ingest.
    """
    for file in expand_paths([path]):
        try:
            text = normalize(read_article(file).text)
        except InputError as error:
            yield FeedError(0, str(error).removeprefix(f"{file}: "), str(file))
            continue
        if not text:
            yield FeedError(0, "empty file", str(file))
            continue
        # A saved news page starts with its headline: give it the title weight a JSONL title gets.
        name = _printable_name(file.name)
        yield IncomingArticle(id=name, text=text, title=infer_title(text), source=name)


def _printable_name(name: str) -> str:
    """A file name as an id: bytes that are not UTF-8 (Python's surrogate escapes, which SQLite and UTF-8
    output refuse) are written as ``\\xff``, so two such names stay two ids and the name stays legible."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_feed(path: str | Path) -> Iterator[IncomingArticle | FeedError]:
    """Articles (and skipped inputs) from a JSONL file (or pipe) or a directory of ``*.txt`` files.

    Raises :class:`InputError` only when nothing can be read at all (no such path, empty directory).
    """
    path = checked_path(path)
    if path.is_dir():
        return iter_directory(path)
    if path.is_file() or is_stream(path):
        return iter_jsonl(path)
    if path.exists():
        raise InputError(f"{path}: not a regular file or directory")
    raise InputError(missing(path))
