"""Reading story collections in the AbMuSu JSONL format (one story per line).

A line is ``{"single_documents": [{"title", "anchor_text", "raw_text"}, ...], "summary": str, ...}``;
``title`` and ``anchor_text`` may be missing or empty. Reading is lenient line by line: a bad line becomes
a :class:`LineError` in its place rather than stopping the whole file, so a batch of 10,000 stories is
not lost to one broken line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tomtat.errors import InputError
from tomtat.text import jsonl_line
from tomtat.types import Article


@dataclass(frozen=True)
class Cluster:
    """One story: its articles and, when the data has one, the human reference summary."""

    articles: tuple[Article, ...]
    summary: str = ""
    category: str = ""
    line: int = 0


@dataclass(frozen=True)
class LineError:
    """A line that could not be read as a story, and why."""

    line: int
    message: str


def parse_cluster(record: Any, line: int = 0) -> Cluster:
    """Turn one decoded JSON record into a :class:`Cluster`, or raise :class:`InputError`."""
    if not isinstance(record, dict):
        raise InputError("expected a JSON object")
    documents = record.get("single_documents")
    if not isinstance(documents, list) or not documents:
        raise InputError('missing or empty "single_documents" list')
    articles = []
    for position, document in enumerate(documents):
        if not isinstance(document, dict):
            raise InputError(f"single_documents[{position}] is not an object")
        # None (null) or missing is an empty field; 0 or false is a mistake to name, not an empty field.
        fields = {key: document.get(key) for key in ("raw_text", "title", "anchor_text")}
        fields = {key: "" if value is None else value for key, value in fields.items()}
        for key, value in fields.items():
            if not isinstance(value, str):
                raise InputError(f"single_documents[{position}].{key} must be a string")
        if not fields["raw_text"].strip() and not fields["anchor_text"].strip():
            raise InputError(f"single_documents[{position}] has no text")
        articles.append(
            Article(
                text=fields["raw_text"],
                title=fields["title"],
                lead=fields["anchor_text"],
                source=_document_id(document.get("id"), position),
            )
        )
    summary = record.get("summary") or ""
    return Cluster(
        articles=tuple(articles),
        summary=summary if isinstance(summary, str) else "",
        category=str(record.get("category") or ""),
        line=line,
    )


def _document_id(identifier: Any, position: int) -> str:
    """How citations name a document: its optional ``id`` (a string or a whole number, so id 0 is "0",
    not the document's position), else its position in the story."""
    if identifier is None or identifier == "":
        return str(position)
    if isinstance(identifier, bool) or not isinstance(identifier, str | int):
        raise InputError(f"single_documents[{position}].id must be a string or a whole number")
    return str(identifier)


def read_line(raw: bytes | str, number: int) -> Cluster | LineError | None:
    """Line ``number`` (from 1) of a story file as a :class:`Cluster`, a :class:`LineError`, or ``None``
    when it is blank. Bytes are decoded here so that a bad line is that line's error, not the file's."""
    try:
        raw = jsonl_line(raw)
    except UnicodeDecodeError as error:
        return LineError(number, f"not valid UTF-8 (byte {error.start})")
    if not raw.strip():
        return None
    try:
        return parse_cluster(json.loads(raw), number)
    except json.JSONDecodeError as error:
        return LineError(number, f"invalid JSON ({error.msg} at column {error.colno})")
    except InputError as error:
        return LineError(number, str(error))


def iter_clusters(path: str | Path) -> Iterator[Cluster | LineError]:
    """Yield a :class:`Cluster` or a :class:`LineError` for every non-blank line of ``path``."""
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            item = read_line(raw, number)
            if item is not None:
                yield item


def load_clusters(path: str | Path) -> list[Cluster]:
    """All stories of a clean file (evaluation data); any bad line is an :class:`InputError`."""
    clusters = []
    for item in iter_clusters(path):
        if isinstance(item, LineError):
            raise InputError(f"{path}:{item.line}: {item.message}")
        clusters.append(item)
    return clusters
