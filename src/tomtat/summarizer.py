"""The one-function entry point: articles in, a cited :class:`Summary` out.

``summarize`` validates and normalizes the input, then runs the pipeline stages in order:
sentences → features → scoring → selection. Each stage is a pure function of its input; the scorer is
the only state and is passed in explicitly (or loaded once and cached).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from tomtat import features, selection
from tomtat.errors import InputError
from tomtat.facts import extract_facts
from tomtat.scoring import Scorer, load_default_scorer
from tomtat.sentences import infer_title, segment, truncate
from tomtat.text import LONE_SURROGATE, normalize
from tomtat.types import Article, Summary, SummarySentence

DEFAULT_WORDS = 200
MAX_WORDS = 100_000
MAX_CANDIDATE_SENTENCES = 3000  # bounds time and memory on huge input; see sentences.truncate


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    return load_default_scorer()


def as_articles(items: Sequence[str | Article]) -> list[Article]:
    """Coerce strings to :class:`Article`, normalize text, and reject unusable input with a clear error."""
    if isinstance(items, str | Article):
        raise InputError("give a list of articles, not a single one: summarize([text1, text2, ...])")
    if isinstance(items, bytes | bytearray):
        raise InputError("give a list of article texts, not bytes: decode them first (tomtat.text.decode)")
    if isinstance(items, Mapping) or not isinstance(items, Iterable):  # a dict would give its keys
        kind = type(items).__name__
        raise InputError(f"give a list of articles: summarize([text1, text2, ...]), got {kind}")
    articles: list[Article] = []
    for position, item in enumerate(items):
        if isinstance(item, str):
            item = Article(text=item)
        elif not isinstance(item, Article):
            raise InputError(f"article {position}: expected str or tomtat.Article, got {type(item).__name__}")
        body, title, lead, source = _checked_fields(item, position)
        # A citation name is kept as given (a file path must still match), bar what UTF-8 cannot encode.
        name = LONE_SURROGATE.sub("\ufffd", source) or str(position)
        text = normalize(body)
        article = Article(
            text=text,
            title=normalize(title).replace("\n", " ") or infer_title(text),
            lead=normalize(lead),
            source=name,
        )
        if not article.text and not article.lead:
            raise InputError(f"article {name!r} is empty")
        articles.append(article)
    if not articles:
        raise InputError("no articles to summarize")
    return articles


def _checked_fields(item: Article, position: int) -> tuple[str, str, str, str]:
    """An article's text, title, lead and source, each a string (None stands for an optional field not
    given), so a wrong type is named here rather than failing deep inside normalization."""
    values = []
    for field in ("text", "title", "lead", "source"):
        value = getattr(item, field)
        if value is None and field != "text":
            value = ""
        if not isinstance(value, str):
            raise InputError(f"article {position}: {field} must be a string, got {type(value).__name__}")
        values.append(value)
    text, title, lead, source = values
    return text, title, lead, source


def check_words(words: int) -> int:
    if isinstance(words, bool) or not isinstance(words, int):
        raise InputError(f"words must be a whole number, got {words!r}")
    if words <= 0:
        raise InputError(f"words must be positive, got {words}")
    if words > MAX_WORDS:
        raise InputError(f"words must be at most {MAX_WORDS}, got {words}")
    return words


def summarize(
    articles: Sequence[str | Article],
    words: int = DEFAULT_WORDS,
    *,
    scorer: Scorer | None = None,
    facts: bool = True,
) -> Summary:
    """Summarize several articles about one story in at most ``words`` syllables.

    >>> summary = summarize(["Bài báo thứ nhất ...", "Bài báo thứ hai ..."], words=100)
    >>> summary.text, summary.sentences[0].doc
    """
    budget = check_words(words)
    docs = as_articles(articles)
    story = truncate(segment(docs), MAX_CANDIDATE_SENTENCES)
    matrix = features.extract(story)
    scores = (scorer or default_scorer()).predict(matrix)
    chosen = selection.select(matrix.candidates, scores, budget, tokens=matrix.tokens)
    sentences = tuple(
        SummarySentence(text=s.text, doc=docs[s.doc].source, doc_index=s.doc, sentence=s.index)
        for s in chosen
    )
    found = extract_facts(story) if facts else None  # a few ms; facts=False skips it
    return Summary(sentences=sentences, words=budget, sources=tuple(a.source for a in docs), facts=found)
