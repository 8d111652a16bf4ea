"""Summary → what a reader or a program sees: plain text, Markdown with source markers, or JSON.

Rendering is separate from summarizing so the CLI, the HTTP service and the library all show the same
summary the same way; JSON is the machine contract (``Summary.to_dict``).
"""

from __future__ import annotations

import json
import re

from tomtat.types import Summary

FORMATS = ("text", "markdown", "json")

# Article text and file names are data, not Markdown: "*", "_", "[^1]", "<b>" or a leading "#" or "1." in a
# sentence must show as written, not turn into emphasis, a citation of the wrong footnote, HTML, a heading
# or a list.
_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]<>|~]")
_MARKDOWN_MARKER = re.compile(r"^(?:#{1,6}|[+-])(?=\s|$)")  # a heading or a bullet: "# Tin", "- Câu"
_MARKDOWN_NUMBER = re.compile(r"^\d{1,9}(?=[.)](?:\s|$))")  # an ordered list: "1. Câu", "2) Câu"


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: special characters backslash-escaped, a line break (in a file name) a
    space, and a heading or list marker at the start neutralized ("1.500 người" is left as it is)."""
    text = _MARKDOWN_INLINE.sub(lambda m: "\\" + m.group(), " ".join(text.split()))
    if _MARKDOWN_MARKER.match(text):
        return "\\" + text
    number = _MARKDOWN_NUMBER.match(text)
    return f"{number.group()}\\{text[number.end():]}" if number else text


def to_text(summary: Summary) -> str:
    return summary.text


def to_markdown(summary: Summary) -> str:
    """Sentences with footnote-style markers; one footnote per source sentence, naming the article."""
    if not summary.sentences:
        return "_(không có câu nào vừa độ dài yêu cầu)_"
    numbered = list(enumerate(summary.sentences, start=1))
    body = " ".join(f"{escape_markdown(s.text)}[^{number}]" for number, s in numbered)
    notes = "\n".join(f"[^{number}]: {escape_markdown(s.doc)}, câu {s.sentence}" for number, s in numbered)
    facts = summary.facts.to_markdown(summary.sources) if summary.facts else ""
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
