"""Reference systems that tomtat is measured against: lead, sumy LexRank, TF-IDF centroid+MMR, oracle.

Every baseline sees the input exactly as tomtat does (the same normalization, sentence splitting and
noise marking from :mod:`tomtat.sentences`) and obeys the same budget rule: whole sentences only, never
more than ``words`` syllables counted by :func:`tomtat.text.count_syllables`; a sentence that does not fit
is skipped and shorter ones after it are still tried. Differences in ROUGE therefore come from *which*
sentences a system picks, not from splitting or length accounting.

Baselines read each article's body (``Article.text``), not the publisher's sapo (``Article.lead``): the
AbMuSu references are built from body sentences, and the issue's reference numbers are only reproduced
that way (see docs/benchmarks.md). With no body, an article's sapo is used as its text.

Each baseline is a function ``(articles, words) -> Summary`` so that the evaluation treats it exactly like
:func:`tomtat.summarize`. Optional dependencies (sumy, scikit-learn) are imported lazily: they are dev
dependencies, and tomtat itself must not need them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from tomtat.errors import TomtatError
from tomtat.rouge import rouge_n
from tomtat.sentences import segment
from tomtat.summarizer import as_articles, check_words
from tomtat.text import count_syllables, tokens
from tomtat.types import Article, Sentence, Story, Summary, SummarySentence

Baseline = Callable[[Sequence[Article], int], Summary]

MMR_LAMBDA = 0.7


@contextmanager
def _optional_dependency(package: str, system: str) -> Iterator[None]:
    try:
        yield
    except ImportError:
        raise TomtatError(
            f"the {system} baseline needs {package}, a development dependency: pip install 'tomtat[dev]'"
        ) from None


def body_story(articles: Sequence[str | Article]) -> Story:
    """Validate, normalize and segment the articles' bodies (the sapo only when an article has no body)."""
    docs = as_articles(articles)
    bodies = [Article(text=a.text or a.lead, title=a.title, source=a.source) for a in docs]
    return segment(bodies)


def candidates(story: Story) -> list[Sentence]:
    """Sentences a baseline may pick: every non-noise sentence with at least one token."""
    return [s for s in story.sentences if not s.is_noise and count_syllables(s.text) > 0]


def fill_budget(ranked: Iterable[Sentence], budget: int) -> list[Sentence]:
    """Take sentences in the given order while they fit; skip the ones that do not, keep trying the rest."""
    chosen: list[Sentence] = []
    remaining = budget
    for sentence in ranked:
        length = count_syllables(sentence.text)
        if 0 < length <= remaining:
            chosen.append(sentence)
            remaining -= length
    return chosen


def to_summary(
    story: Story, chosen: Sequence[Sentence], words: int, *, reading_order: bool = True
) -> Summary:
    """Wrap chosen sentences as a cited :class:`Summary`, in article order unless told otherwise."""
    if reading_order:
        chosen = sorted(chosen, key=lambda s: (s.doc, s.index))
    sources = tuple(a.source for a in story.articles)
    return Summary(
        sentences=tuple(
            SummarySentence(text=s.text, doc=sources[s.doc], doc_index=s.doc, sentence=s.index)
            for s in chosen
        ),
        words=words,
        sources=sources,
    )


def round_robin(story: Story) -> list[Sentence]:
    """First sentence of each article, then the second of each, and so on."""
    per_doc = [[s for s in candidates(story) if s.doc == doc] for doc in range(len(story.articles))]
    depth = max((len(sentences) for sentences in per_doc), default=0)
    return [sentences[i] for i in range(depth) for sentences in per_doc if i < len(sentences)]


def lead(articles: Sequence[str | Article], words: int = 200) -> Summary:
    """Round-robin lead: the opening sentences of every article, interleaved, until the budget is full.

    Kept in the order taken (all first sentences, then all second ones), which is how a reader of the
    round robin would see it.
    """
    budget = check_words(words)
    story = body_story(articles)
    return to_summary(story, fill_budget(round_robin(story), budget), budget, reading_order=False)


class _SyllableTokenizer:
    """The tokenizer interface sumy expects, backed by tomtat's tokens; sumy never touches nltk data."""

    language = "vietnamese"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from tomtat.sentences import split_sentences

        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(tokens(sentence))


def lexrank(articles: Sequence[str | Article], words: int = 200) -> Summary:
    """sumy's LexRank over our sentences and syllable tokens (no stemming, no stop words).

    sumy's document model is built directly from tomtat's sentences, so none of sumy's nltk-based parsers
    or tokenizers (which would need downloaded punkt data) run. sumy normally returns a fixed number of
    sentences; its "count" hook receives the sentences best-rated first, and we fill the syllable budget
    from that ranking instead.
    """
    with _optional_dependency("sumy", "lexrank"):
        from sumy.models.dom import ObjectDocumentModel, Paragraph
        from sumy.models.dom import Sentence as SumySentence
        from sumy.summarizers.lex_rank import LexRankSummarizer

    budget = check_words(words)
    story = body_story(articles)
    pool = candidates(story)
    if not pool:
        return to_summary(story, [], budget)
    tokenizer = _SyllableTokenizer()
    # sumy hashes sentences by text, so the same sentence repeated (common across outlets) counts once.
    by_text: dict[str, Sentence] = {}
    for sentence in pool:
        by_text.setdefault(sentence.text, sentence)
    paragraphs = [
        Paragraph([SumySentence(s.text, tokenizer) for s in by_text.values() if s.doc == doc])
        for doc in range(len(story.articles))
    ]
    document = ObjectDocumentModel(paragraphs)
    chosen: list[Sentence] = []

    def take_budget(infos: list) -> list:
        picked = fill_budget((by_text[str(info.sentence)] for info in infos), budget)
        chosen.extend(picked)
        keep = {s.text for s in picked}
        return [info for info in infos if str(info.sentence) in keep]

    LexRankSummarizer()(document, take_budget)
    return to_summary(story, chosen, budget)


def centroid_mmr(
    articles: Sequence[str | Article], words: int = 200, mmr_lambda: float = MMR_LAMBDA
) -> Summary:
    """TF-IDF centroid + MMR: sentences close to the story's centroid and unlike those already taken.

    Sentences are the "documents" of a scikit-learn ``TfidfVectorizer`` using our syllable tokens; the
    centroid is the mean sentence vector. Each step takes the fitting sentence maximizing
    ``λ·cos(s, centroid) − (1 − λ)·max cos(s, chosen)``.
    """
    with _optional_dependency("scikit-learn", "centroid"):
        from sklearn.feature_extraction.text import TfidfVectorizer

    budget = check_words(words)
    story = body_story(articles)
    pool = candidates(story)
    if not pool:
        return to_summary(story, [], budget)
    vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    matrix = vectorizer.fit_transform([s.text for s in pool])  # rows are L2-normalized
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    centroid_norm = np.linalg.norm(centroid) or 1.0
    relevance = np.asarray(matrix @ centroid).ravel() / centroid_norm
    similarity = (matrix @ matrix.T).toarray()
    lengths = np.array([count_syllables(s.text) for s in pool])

    chosen: list[int] = []
    remaining = budget
    available = np.ones(len(pool), dtype=bool)
    while True:
        available &= lengths <= remaining
        if not available.any():
            break
        redundancy = similarity[:, chosen].max(axis=1) if chosen else np.zeros(len(pool))
        gain = mmr_lambda * relevance - (1 - mmr_lambda) * redundancy
        best = int(np.argmax(np.where(available, gain, -np.inf)))
        chosen.append(best)
        available[best] = False
        remaining -= int(lengths[best])
    return to_summary(story, [pool[i] for i in chosen], budget)


def oracle(articles: Sequence[str | Article], words: int, reference: str) -> Summary:
    """Greedy extractive oracle: add the fitting sentence that raises ROUGE-2 F1 against ``reference``
    most, until nothing fitting raises it. An upper bound for sentence extraction, not a system.

    Each trial is scored as the summary will be output, in reading order: the bigrams across sentence
    boundaries count in the metric, so scoring in the order picked would optimize a different text.
    """
    budget = check_words(words)
    story = body_story(articles)
    pool = sorted(candidates(story), key=lambda s: (s.doc, s.index))  # list order = reading order
    reference_tokens = tokens(reference)
    pool_tokens = [tokens(s.text) for s in pool]
    chosen: list[int] = []
    best_score = 0.0
    remaining = budget
    while True:
        best_index = -1
        for i, sentence_tokens in enumerate(pool_tokens):
            if i in chosen or len(sentence_tokens) > remaining or not sentence_tokens:
                continue
            trial_tokens = [token for j in sorted([*chosen, i]) for token in pool_tokens[j]]
            trial = rouge_n(trial_tokens, reference_tokens, 2)
            if trial > best_score:
                best_score, best_index = trial, i
        if best_index < 0:
            break
        chosen.append(best_index)
        remaining -= len(pool_tokens[best_index])
    return to_summary(story, [pool[i] for i in chosen], budget)


BASELINES: dict[str, Baseline] = {"lead": lead, "lexrank": lexrank, "centroid": centroid_mmr}
"""Reference-free baselines by name; the oracle needs the reference and is handled by the evaluation."""
