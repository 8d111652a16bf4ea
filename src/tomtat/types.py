"""The plain records that flow between pipeline stages.

Stages exchange these frozen dataclasses instead of dicts so that each stage's contract is visible in its
signature: text → :class:`Article` → :class:`Sentence` → (features, scores) → :class:`Summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tomtat.facts import Facts


@dataclass(frozen=True)
class Article:
    """One news article as the user gave it.

    ``lead`` is the publisher's sapo (AbMuSu's ``anchor_text``); plain text files have none, and the first
    paragraph of ``text`` plays that role. ``source`` is how citations name the article (a file name, an
    id); when empty the article's position in the input is used.
    """

    text: str
    title: str = ""
    lead: str = ""
    source: str = ""


class SentenceKind(StrEnum):
    """Where a sentence sits in its article; noise is kept (for indices) but never selected."""

    LEAD = "lead"
    BODY = "body"
    NOISE = "noise"


@dataclass(frozen=True)
class Sentence:
    """One sentence of one article, with where it came from.

    ``index`` counts every sentence of the article (lead first, then body, noise included) so citations
    stay stable whatever the summarizer selects. ``position`` counts only non-noise sentences, which is
    what position features want.
    """

    text: str
    doc: int
    index: int
    paragraph: int
    position: int
    kind: SentenceKind = SentenceKind.BODY

    @property
    def is_noise(self) -> bool:
        return self.kind is SentenceKind.NOISE


@dataclass(frozen=True)
class Story:
    """The segmented input of one summarization: the articles and all their sentences in reading order."""

    articles: tuple[Article, ...]
    sentences: tuple[Sentence, ...]

    def of_doc(self, doc: int) -> list[Sentence]:
        return [s for s in self.sentences if s.doc == doc]


@dataclass(frozen=True)
class SummarySentence:
    """A sentence of the summary and the article sentence it was taken from."""

    text: str
    doc: str
    doc_index: int
    sentence: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "doc": self.doc, "doc_index": self.doc_index, "sentence": self.sentence}


@dataclass(frozen=True)
class Summary:
    """The result of :func:`tomtat.summarize`: the text and, per sentence, its source."""

    sentences: tuple[SummarySentence, ...]
    words: int
    sources: tuple[str, ...] = field(default=())
    # Who/when/where/numbers/quotes and disagreements (tomtat.facts); None when not computed.
    facts: Facts | None = None

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def length(self) -> int:
        """Length in syllables, counted the way the budget is counted."""
        from tomtat.text import count_syllables

        return count_syllables(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
            "words": self.words,
            "length": self.length,
            "sources": list(self.sources),
        } | ({"facts": self.facts.to_dict()} if self.facts is not None else {})
