"""Summary → what a reader or a program sees: plain text, Markdown with source markers, or JSON.

Rendering is separate from summarizing so the CLI, the HTTP service and the library all show the same
summary the same way; JSON is the machine contract (``Summary.to_dict``).
"""

from __future__ import annotations

import json

from tomtat.types import Summary

FORMATS = ("text", "markdown", "json")


def to_text(summary: Summary) -> str:
    return summary.text


def to_markdown(summary: Summary) -> str:
    """Sentences with footnote-style markers; one footnote per source sentence, naming the article."""
    if not summary.sentences:
        return "_(không có câu nào vừa độ dài yêu cầu)_"
    body = " ".join(f"{s.text}[^{number}]" for number, s in enumerate(summary.sentences, start=1))
    notes = "\n".join(
        f"[^{number}]: {s.doc}, câu {s.sentence}" for number, s in enumerate(summary.sentences, start=1)
    )
    facts = summary.facts.to_markdown() if summary.facts else ""
    return f"{body}\n\n{facts}\n\n{notes}" if facts else f"{body}\n\n{notes}"


def to_json(summary: Summary, indent: int | None = 2) -> str:
    return json.dumps(summary.to_dict(), ensure_ascii=False, indent=indent)


def render(summary: Summary, fmt: str) -> str:
    if fmt == "text":
        return to_text(summary)
    if fmt == "markdown":
        return to_markdown(summary)
    if fmt == "json":
        return to_json(summary)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
