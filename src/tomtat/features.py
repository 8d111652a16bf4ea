"""Sentence features for ranking: what a news editor looks at when picking sentences.

Position in the article, agreement with the headline and the sapo (lead), and support across outlets
(a fact reported by several articles matters more) are the strongest signals in news; length and
content-word density keep short fragments and long digressions down.

Every feature is computed from the story alone (no external resources), in one pass over the candidate
sentences, so the whole stage costs a few milliseconds per story. Features are shallow on purpose: the
ranker that combines them is learned (see :mod:`tomtat.train`), and a tree ensemble does not need them
scaled.

The *anchor* of an article is its publisher's sapo when one is given; otherwise (plain text files) it is
the first content paragraph, capped at :data:`PSEUDO_ANCHOR_SENTENCES` sentences so that a body without
line breaks does not become one huge "lead".
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tomtat.text import match_tokens, ngrams
from tomtat.types import Sentence, SentenceKind, Story

MIN_CANDIDATE_TOKENS = 4
PSEUDO_ANCHOR_SENTENCES = 2

FEATURE_NAMES: tuple[str, ...] = (
    "position",
    "block_position",
    "is_lead",
    "lead_given",
    "title_given",
    "relative_position",
    "paragraph",
    "position_in_paragraph",
    "doc_sentences",
    "doc_count",
    "length",
    "length_ratio",
    "title_unigram_own",
    "title_bigram_own",
    "title_unigram_all",
    "title_bigram_all",
    "title_coverage",
    "anchor_unigram_all",
    "anchor_bigram_all",
    "anchor_bigram_other_docs",
    "anchor_coverage",
    "centroid_cosine",
    "centroid_rank",
    "cross_doc_bigram_support",
    "cross_doc_best_overlap",
    "cross_doc_matching_docs",
    "story_bigram_frequency",
    "digit_fraction",
    "capitalized_fraction",
    "has_quote",
    "starts_with_quote",
    "ends_with_colon",
    "is_question",
    "has_parenthesis",
    "first_person",
    "doc_centrality",
    "doc_length_share",
    "anchor_precision_own",
    "anchor_precision_other_max",
    "anchor_precision_other_mean",
    "title_precision_max",
    "title_coverage_mean",
    "body_lead_overlap_max",
    "body_lead_overlap_mean",
    "is_body_lead",
    "relative_block_position",
    "has_date",
    "number_count",
    "wide_support_share",
    "doc_centrality_rank",
)
# A tree ranker sees one sentence at a time; "best in the story" or "best of its article" is often
# what matters, so the strongest signals are also given as ranks (0 = best, 1 = worst).
RANKED_IN_STORY: tuple[str, ...] = (
    "anchor_bigram_all",
    "cross_doc_bigram_support",
    "story_bigram_frequency",
    "title_bigram_all",
    "cross_doc_best_overlap",
)
RANKED_IN_DOC: tuple[str, ...] = ("anchor_bigram_all", "centroid_cosine", "cross_doc_bigram_support")
FEATURE_NAMES = (
    FEATURE_NAMES
    + tuple(f"{name}_story_rank" for name in RANKED_IN_STORY)
    + tuple(f"{name}_doc_rank" for name in RANKED_IN_DOC)
)

_QUOTES = "“”\"‘’«»"
_CAPITALIZED = re.compile(r"\b[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢÍÌỈĨỊÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴÉÈẺẼẸÓÒỎÕỌ]\w*")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}\b|\b(?:ngày|tháng|năm)\s+\d", re.IGNORECASE)
BODY_LEAD_SENTENCES = 2
DENSE_OVERLAP_SENTENCES = 1500  # above this, _best_overlap_by_doc counts with sparse matrices
SPARSE_OVERLAP_ROWS = 500
MATCHES_PER_CHUNK = 2_000_000  # see _Incidence.hits_matrix
_FIRST_PERSON = frozenset({"tôi", "chúng", "mình", "em", "anh", "chị"})

Bigram = tuple[str, str]


@dataclass(frozen=True)
class FeatureMatrix:
    """Features of the candidate sentences of one story, row-aligned with ``candidates``."""

    candidates: tuple[Sentence, ...]
    values: np.ndarray
    names: tuple[str, ...] = FEATURE_NAMES
    bigrams: BigramMatrix | None = None
    # Each candidate's matching tokens (text.match_tokens), so later stages do not tokenize it again.
    tokens: tuple[tuple[str, ...], ...] = ()


def candidates_of(story: Story) -> list[Sentence]:
    """Sentences that may appear in a summary: not noise, and long enough to say something."""
    return _candidates_and_tokens(story)[0]


def _candidates_and_tokens(story: Story) -> tuple[list[Sentence], list[tuple[str, ...]]]:
    candidates, tokens = [], []
    for sentence in story.sentences:
        if not sentence.is_noise:
            words = tuple(match_tokens(sentence.text))
            if len(words) >= MIN_CANDIDATE_TOKENS:
                candidates.append(sentence)
                tokens.append(words)
    return candidates, tokens


@dataclass(frozen=True)
class _StoryWords:
    """The candidates' syllables as integer ids (numbered in order of first use), each sentence's distinct
    ones in the order the sentence first uses them with how often it does, so that per-sentence sums run
    as ``bincount`` in the same order, and give the same floats, as a loop over ``Counter(tokens)``."""

    vocabulary: dict[str, int]
    sentence: np.ndarray
    word: np.ndarray
    count: np.ndarray
    token_sentence: np.ndarray
    token_word: np.ndarray
    sentences: int

    @classmethod
    def of(cls, token_lists: Sequence[Sequence[str]]) -> _StoryWords:
        vocabulary: dict[str, int] = {}
        token_word = np.fromiter(
            (vocabulary.setdefault(w, len(vocabulary)) for t in token_lists for w in t), np.int64
        )
        token_sentence = np.repeat(np.arange(len(token_lists)), [len(t) for t in token_lists])
        size = max(len(vocabulary), 1)
        keys, first, count = np.unique(
            token_sentence * size + token_word, return_index=True, return_counts=True
        )
        in_order = np.argsort(first)
        keys = keys[in_order]
        return cls(
            vocabulary=vocabulary,
            sentence=keys // size,
            word=keys % size,
            count=count[in_order],
            token_sentence=token_sentence,
            token_word=token_word,
            sentences=len(token_lists),
        )

    def per_sentence(self, weights: np.ndarray | list[float]) -> np.ndarray:
        """Sum of ``weights`` (one per distinct (sentence, syllable) pair) for every sentence."""
        return np.bincount(self.sentence, weights=weights, minlength=self.sentences)

    def distinct_in(self, words: Iterable[str]) -> np.ndarray:
        """For every sentence, how many of its distinct syllables are in ``words``."""
        member = np.zeros(len(self.vocabulary))
        member[[k for w in words if (k := self.vocabulary.get(w)) is not None]] = 1.0
        return self.per_sentence(member[self.word])

    def distinct_in_own(self, words_of_doc: Sequence[set[str]], sentence_docs: np.ndarray) -> np.ndarray:
        """For every sentence, how many of its distinct syllables are in its own article's set."""
        size = len(self.vocabulary)
        keys = [
            doc * size + k
            for doc, words in enumerate(words_of_doc)
            for w in words
            if (k := self.vocabulary.get(w)) is not None
        ]
        own = np.isin(sentence_docs[self.sentence] * size + self.word, keys)
        return self.per_sentence(own.astype(np.float64))

    @functools.cached_property
    def digits(self) -> np.ndarray:
        """1.0 for every syllable that is a number, else 0.0 (the sentence and bigram features both read
        it)."""
        return np.asarray([w.isdigit() for w in self.vocabulary], dtype=np.float64)

    def centroid_cosines(self) -> np.ndarray:
        """TF-IDF cosine of every sentence to the story centroid (idf over sentences)."""
        sentences = self.sentences
        sentence_frequency = np.bincount(self.word, minlength=len(self.vocabulary)).tolist()
        idf = np.asarray([math.log(1 + sentences / c) for c in sentence_frequency])
        centroid = np.bincount(self.token_word, minlength=len(self.vocabulary)) * idf
        # Python's sum and float ``**`` (libm pow, which differs from x * x in the last bit of about one
        # value in a thousand) on purpose: the shipped ranker was fitted on these exact values.
        centroid_norm = math.sqrt(sum(v * v for v in centroid.tolist())) or 1.0
        weights = self.count * idf[self.word]
        norms = np.sqrt(self.per_sentence([v**2 for v in weights.tolist()]))
        norms[norms == 0] = 1.0
        return self.per_sentence(weights * centroid[self.word]) / (norms * centroid_norm)


@dataclass(frozen=True)
class _StoryBigrams:
    """The candidates' bigrams as integer ids, numbered in order of first use, counted once for every
    stage that needs them: the sentence features, the bigram features and (through ``ids``) selection.

    ``ids[i]`` lists sentence ``i``'s bigrams in reading order, repeats included; ``incidence`` holds
    the distinct (sentence, bigram) pairs; ``first`` and ``second`` are each bigram's two syllables as
    ids of the story's :class:`_StoryWords`.
    """

    vocabulary: dict[Bigram, int]
    ids: tuple[np.ndarray, ...]
    incidence: _Incidence
    first: np.ndarray
    second: np.ndarray

    @classmethod
    def of(cls, words: _StoryWords) -> _StoryBigrams:
        syllables = len(words.vocabulary)
        starts = np.flatnonzero(words.token_sentence[:-1] == words.token_sentence[1:])
        keys = words.token_word[starts] * syllables + words.token_word[starts + 1]
        unique_keys, first_use, inverse = np.unique(keys, return_index=True, return_inverse=True)
        in_order = np.argsort(first_use)
        number = np.empty(len(unique_keys), dtype=np.int64)
        number[in_order] = np.arange(len(unique_keys))
        ids_in_text = number[inverse.reshape(-1)]
        owner = words.token_sentence[starts]
        lengths = np.bincount(owner, minlength=words.sentences)
        ids = tuple(np.split(ids_in_text, np.cumsum(lengths)[:-1])) if words.sentences else ()
        first, second = np.divmod(unique_keys[in_order], max(syllables, 1))
        syllable = list(words.vocabulary)
        grams = zip(first.tolist(), second.tolist(), strict=True)
        vocabulary = {(syllable[a], syllable[b]): k for k, (a, b) in enumerate(grams)}
        size = max(len(vocabulary), 1)
        pairs = np.unique(owner * size + ids_in_text)
        incidence = _Incidence(vocabulary, flat=pairs % size, owner=pairs // size, sentences=words.sentences)
        return cls(vocabulary=vocabulary, ids=ids, incidence=incidence, first=first, second=second)


@dataclass(frozen=True)
class _Incidence:
    """Which bigrams each sentence has (each once), as flat integer ids, for counting with ``bincount``:
    the distinct (sentence ``owner[k]``, bigram ``flat[k]``) pairs, sorted by sentence, then bigram."""

    vocabulary: dict[Bigram, int]
    flat: np.ndarray
    owner: np.ndarray
    sentences: int

    def total(self, per_bigram: np.ndarray) -> np.ndarray:
        """For every sentence, the sum of ``per_bigram`` over its bigrams."""
        weights = np.asarray(per_bigram, dtype=np.float64)[self.flat]
        return np.bincount(self.owner, weights=weights, minlength=self.sentences)

    def hits(self, grams: set[Bigram]) -> np.ndarray:
        """For every sentence, how many of its bigrams are in ``grams``."""
        member = np.zeros(len(self.vocabulary), dtype=np.float64)
        member[[k for g in grams if (k := self.vocabulary.get(g)) is not None]] = 1.0
        return self.total(member)

    def hits_matrix(self, sets: list[set[Bigram]]) -> np.ndarray:
        """``hits`` of every set at once, one row per set: cost grows with the (sentence bigram, set)
        matches, not with sets × sentences, so a story of hundreds of articles stays fast."""
        rows = [r for r, grams in enumerate(sets) for g in grams if g in self.vocabulary]
        columns = [self.vocabulary[g] for grams in sets for g in grams if g in self.vocabulary]
        by_bigram = np.argsort(np.asarray(columns, dtype=np.int64), kind="stable")
        set_of_match = np.asarray(rows, dtype=np.int64)[by_bigram]
        sets_per_bigram = np.bincount(np.asarray(columns, dtype=np.int64), minlength=len(self.vocabulary))
        first = np.cumsum(sets_per_bigram) - sets_per_bigram
        per_pair = sets_per_bigram[self.flat]
        # (sentence, set) matches are expanded a chunk of pairs at a time to bound memory when many
        # articles share a headline (syndicated copies).
        ends = np.cumsum(per_pair)
        total = int(ends[-1]) if len(ends) else 0
        cuts = np.searchsorted(ends, np.arange(MATCHES_PER_CHUNK, total, MATCHES_PER_CHUNK))
        counts = np.zeros(len(sets) * self.sentences, dtype=np.int64)
        for lo, hi in itertools.pairwise([0, *cuts.tolist(), len(self.flat)]):
            chunk = per_pair[lo:hi]
            pair = np.repeat(np.arange(lo, hi), chunk)
            within = np.arange(len(pair)) - np.repeat(np.cumsum(chunk) - chunk, chunk)
            row = set_of_match[first[self.flat][pair] + within]
            counts += np.bincount(row * self.sentences + self.owner[pair], minlength=len(counts))
        return counts.astype(np.float64).reshape(len(sets), self.sentences)


def _best_overlap_by_doc(
    rows: np.ndarray,
    columns: np.ndarray,
    vocabulary: int,
    sizes: np.ndarray,
    sentence_docs: np.ndarray,
    doc_count: int,
) -> np.ndarray:
    """For every sentence and article, the best share of the sentence's bigrams found in one sentence of
    that article (0 for its own article). The pairs (``rows[k]``, ``columns[k]``), sorted by row, say
    which bigrams used by several articles (ids below ``vocabulary``) each sentence has.

    A few hundred sentences (any normal story) take one dense matrix product. Past
    :data:`DENSE_OVERLAP_SENTENCES` (hundreds of articles in one call) the counts come from a sparse
    product in row blocks: the dense one grows with sentences² × bigrams and took minutes for a thousand
    articles. Both count exactly, so they give the same values.
    """
    n = len(sizes)
    best = np.zeros((n, doc_count))
    if n == 0:
        return best
    if n <= DENSE_OVERLAP_SENTENCES:
        incidence = np.zeros((n, vocabulary), dtype=np.float32)
        incidence[rows, columns] = 1.0
        overlap = (incidence @ incidence.T) / sizes[:, None]
        by_doc = np.argsort(sentence_docs, kind="stable")
        docs_present, starts = np.unique(sentence_docs[by_doc], return_index=True)
        best[:, docs_present] = np.maximum.reduceat(overlap[:, by_doc], starts, axis=1)
    else:
        from scipy import sparse  # a dependency of lightgbm; imported only for very large inputs

        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        ones = np.ones(len(columns))
        incidence = sparse.csr_matrix((ones, columns, indptr), shape=(n, vocabulary))
        transposed = incidence.T.tocsr()
        for start in range(0, n, SPARSE_OVERLAP_ROWS):
            counts = (incidence[start : start + SPARSE_OVERLAP_ROWS] @ transposed).tocoo()
            hit_rows = counts.row + start
            np.maximum.at(best, (hit_rows, sentence_docs[counts.col]), counts.data / sizes[hit_rows])
    best[np.arange(n), sentence_docs] = 0.0
    return best


@dataclass(frozen=True)
class _Overlaps:
    """How a sentence's bigrams meet a family of bigram sets (titles, anchors or body leads), one per
    article. "other" statistics leave out the sentence's own article; ratios are hits / set size
    (coverage) or hits / sentence size (precision); max and mean are 0 over no set."""

    own_hits: np.ndarray
    best_coverage: np.ndarray
    best_precision: np.ndarray
    mean_coverage: np.ndarray
    best_coverage_other: np.ndarray
    best_precision_other: np.ndarray
    mean_precision_other: np.ndarray


class _PerDocOverlaps:
    """Per-sentence statistics against one bigram set per article, without a Python loop over
    sentences × articles (which made a story of a thousand articles take minutes)."""

    def __init__(
        self,
        incidence: _Incidence,
        sizes: np.ndarray,
        sentence_docs: np.ndarray,
        doc_count: int,
    ) -> None:
        self.incidence = incidence
        self.sizes = sizes
        self.docs = sentence_docs
        self.doc_count = doc_count

    def against(self, sets: list[set[Bigram]], docs: Iterable[int], skip_empty: bool) -> _Overlaps:
        """Statistics over ``sets`` (``sets[k]`` belongs to article ``docs[k]``), in that order; with
        ``skip_empty``, empty sets are left out of max and mean."""
        n = len(self.sizes)
        doc_of_set = list(docs)
        hits = self.incidence.hits_matrix(sets)
        own_hits = np.zeros(n)
        best_coverage, best_precision, coverage_sum = np.zeros(n), np.zeros(n), np.zeros(n)
        best_coverage_other, best_precision_other, precision_sum_other = np.zeros(n), np.zeros(n), np.zeros(n)
        counted, counted_other = 0, np.zeros(n)
        for row, doc, grams in zip(hits, doc_of_set, sets, strict=True):
            own = self.docs == doc
            own_hits[own] = row[own]
            if skip_empty and not grams:
                continue
            coverage = row / len(grams) if grams else np.zeros(n)
            precision = row / self.sizes
            np.maximum(best_coverage, coverage, out=best_coverage)
            np.maximum(best_precision, precision, out=best_precision)
            coverage_sum += coverage
            counted += 1
            other = ~own
            np.maximum(best_coverage_other, np.where(other, coverage, 0.0), out=best_coverage_other)
            np.maximum(best_precision_other, np.where(other, precision, 0.0), out=best_precision_other)
            precision_sum_other += np.where(other, precision, 0.0)
            counted_other += other
        return _Overlaps(
            own_hits=own_hits,
            best_coverage=best_coverage,
            best_precision=best_precision,
            mean_coverage=coverage_sum / counted if counted else np.zeros(n),
            best_coverage_other=best_coverage_other,
            best_precision_other=best_precision_other,
            mean_precision_other=np.divide(
                precision_sum_other, counted_other, out=np.zeros(n), where=counted_other > 0
            ),
        )

    def outside_own_doc(self, sets_of_doc: dict[int, set[Bigram]]) -> np.ndarray:
        """For every sentence, how many of its bigrams are in the union of the *other* articles' sets."""
        incidence = self.incidence
        vocabulary = incidence.vocabulary
        size = len(vocabulary)
        matches = [(d, vocabulary[g]) for d, grams in sets_of_doc.items() for g in grams if g in vocabulary]
        docs = np.asarray([doc for doc, _ in matches], dtype=np.int64)
        ids = np.asarray([k for _, k in matches], dtype=np.int64)
        sets_per_bigram = np.bincount(ids, minlength=size)
        in_own = np.isin(self.docs[incidence.owner] * size + incidence.flat, docs * size + ids)
        outside = (sets_per_bigram[incidence.flat] - in_own) >= 1
        return np.bincount(incidence.owner, weights=outside, minlength=incidence.sentences)


def _mean(values: list[float]) -> float:
    """Mean of a short list (a value per article), 0 when empty; np.mean costs ~8 µs a call here."""
    return sum(values) / len(values) if values else 0.0


def _fraction(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _anchors(story: Story) -> dict[int, list[Sentence]]:
    """The anchor sentences of every article: the given sapo, or the first few sentences of the body."""
    anchors: dict[int, list[Sentence]] = {}
    for s in story.sentences:
        if s.is_noise:
            continue
        given = bool(story.articles[s.doc].lead.strip())
        if s.kind is SentenceKind.LEAD and (given or s.position < PSEUDO_ANCHOR_SENTENCES):
            anchors.setdefault(s.doc, []).append(s)
    return anchors


def extract(story: Story) -> FeatureMatrix:
    """Compute :data:`FEATURE_NAMES` for every candidate sentence of ``story``."""
    candidates, toks = _candidates_and_tokens(story)
    if not candidates:
        return FeatureMatrix(candidates=(), values=np.zeros((0, len(FEATURE_NAMES))))
    doc_count = len(story.articles)
    story_words = _StoryWords.of(toks)
    story_bigrams = _StoryBigrams.of(story_words)
    sentence_docs = np.asarray([s.doc for s in candidates])

    title_tokens = [match_tokens(a.title) for a in story.articles]
    title_unigrams = [set(t) for t in title_tokens]
    title_bigrams = [set(ngrams(t, 2)) for t in title_tokens]
    all_title_unigrams = set().union(*title_unigrams)
    all_title_bigrams = set().union(*title_bigrams)
    title_given = float(any(a.title.strip() for a in story.articles))

    anchors = _anchors(story)
    anchor_bigrams_of_doc = {
        doc: set().union(*(set(ngrams(match_tokens(s.text), 2)) for s in sentences))
        for doc, sentences in anchors.items()
    }
    all_anchor_bigrams = set().union(*anchor_bigrams_of_doc.values())
    anchor_unigrams = set().union(*(set(match_tokens(s.text)) for ss in anchors.values() for s in ss))
    anchor_ids = {(s.doc, s.index) for ss in anchors.values() for s in ss}

    # Block position: index within the sapo for lead sentences, within the body for body sentences, so
    # "first sentence of the body" means the same with or without a given sapo.
    lead_counts: Counter[int] = Counter(s.doc for s in candidates if s.kind is SentenceKind.LEAD)
    doc_sizes: Counter[int] = Counter(s.doc for s in candidates)
    first_body_paragraph: dict[int, int] = {}
    paragraph_starts: dict[tuple[int, int], int] = {}
    for s in candidates:
        if s.kind is SentenceKind.BODY:
            first_body_paragraph.setdefault(s.doc, s.paragraph)
        paragraph_starts.setdefault((s.doc, s.paragraph), s.position)

    n = len(toks)
    cosines = story_words.centroid_cosines()
    distinct_words = story_words.per_sentence(None)
    own_title_words = story_words.distinct_in_own(title_unigrams, sentence_docs)
    all_title_words = story_words.distinct_in(all_title_unigrams)
    anchor_words = story_words.distinct_in(anchor_unigrams)
    first_person = story_words.distinct_in(_FIRST_PERSON) > 0
    digits = np.bincount(
        story_words.token_sentence, weights=story_words.digits[story_words.token_word], minlength=n
    )

    # Per distinct bigram: how many sentences and how many articles use it.
    vocabulary = len(story_bigrams.vocabulary)
    incidence = story_bigrams.incidence
    pair_sentence, pair_bigram = incidence.owner, incidence.flat
    sentences_per_bigram = np.bincount(pair_bigram, minlength=vocabulary)
    doc_pairs = np.unique(pair_bigram * doc_count + sentence_docs[pair_sentence])
    bigram_of_doc_pair, doc_of_pair = doc_pairs // doc_count, doc_pairs % doc_count
    docs_per_bigram = np.bincount(bigram_of_doc_pair, minlength=vocabulary)
    sizes = np.maximum(np.bincount(pair_sentence, minlength=n), 1).astype(np.float64)

    # Best bigram overlap with a sentence of each other article (how many outlets report this fact),
    # from the sentence × shared-bigram incidence matrix.
    is_shared = docs_per_bigram > 1
    shared_column = np.cumsum(is_shared) - 1
    shared_pair = is_shared[pair_bigram]
    best_by_doc = _best_overlap_by_doc(
        pair_sentence[shared_pair],
        shared_column[pair_bigram[shared_pair]],
        int(is_shared.sum()),
        sizes,
        sentence_docs,
        doc_count,
    )

    # How central each article is: the share of its bigrams that other articles also use. The reference
    # tends to follow one main article; the most central one is the best guess of which.
    shared_in_doc = np.bincount(doc_of_pair, weights=is_shared[bigram_of_doc_pair], minlength=doc_count)
    bigrams_in_doc = np.bincount(doc_of_pair, minlength=doc_count)
    doc_centrality = [
        _fraction(shared, total)
        for shared, total in zip(shared_in_doc.tolist(), bigrams_in_doc.tolist(), strict=True)
    ]
    total_tokens = sum(len(t) for t in toks) or 1
    centrality_rank = _ranks(np.asarray(doc_centrality, dtype=np.float64))

    # The first body sentences of every article (after a given sapo; the start of the text otherwise):
    # AbMuSu references are built mostly from them, so agreeing with *other* outlets' body leads is a
    # sign of the main fact.
    body_lead_bigrams: dict[int, set[Bigram]] = {}
    body_seen: Counter[int] = Counter()
    body_sizes: Counter[int] = Counter()
    for s, t in zip(candidates, toks, strict=True):
        from_sapo = s.kind is SentenceKind.LEAD and bool(story.articles[s.doc].lead.strip())
        if from_sapo:
            continue
        body_sizes[s.doc] += 1
        if body_seen[s.doc] < BODY_LEAD_SENTENCES:
            body_seen[s.doc] += 1
            body_lead_bigrams.setdefault(s.doc, set()).update(ngrams(t, 2))
    wide = max(2, (doc_count + 1) // 2)
    doc_tokens: Counter[int] = Counter()
    for s, t in zip(candidates, toks, strict=True):
        doc_tokens[s.doc] += len(t)

    # Every |sentence bigrams ∩ reference set| at once, from the sentence × bigram incidence, instead of
    # a set intersection per sentence and reference (the features' hot loop).
    all_title_hits = incidence.hits(all_title_bigrams)
    all_anchor_hits = incidence.hits(all_anchor_bigrams)
    per_doc = _PerDocOverlaps(incidence, sizes, sentence_docs, doc_count)
    title = per_doc.against(title_bigrams, range(doc_count), skip_empty=True)
    anchor = per_doc.against(list(anchor_bigrams_of_doc.values()), anchor_bigrams_of_doc, skip_empty=True)
    lead = per_doc.against(list(body_lead_bigrams.values()), body_lead_bigrams, skip_empty=False)
    anchor_other_hits = per_doc.outside_own_doc(anchor_bigrams_of_doc)
    support_sum = incidence.total(docs_per_bigram - 1)
    frequency_sum = incidence.total(sentences_per_bigram - 1)
    wide_count = incidence.total(docs_per_bigram >= wide)

    matching_docs = (best_by_doc >= 0.3).sum(axis=1)

    rows = []
    for i, (s, t) in enumerate(zip(candidates, toks, strict=True)):
        size = sizes[i]
        is_lead = s.kind is SentenceKind.LEAD
        lead_given = bool(story.articles[s.doc].lead.strip())
        block_position = s.position if is_lead else s.position - lead_counts[s.doc]
        paragraph = s.paragraph - first_body_paragraph.get(s.doc, s.paragraph) if not is_lead else -1
        is_anchor = (s.doc, s.index) in anchor_ids
        anchor_other = anchor_other_hits[i]
        anchor_all = anchor_other if is_anchor else all_anchor_hits[i]
        from_sapo = is_lead and lead_given
        body_index = -1 if from_sapo else s.position - (lead_counts[s.doc] if lead_given else 0)
        text = s.text
        words = text.split()

        rows.append(
            (
                s.position,
                block_position,
                float(is_lead),
                float(lead_given),
                title_given,
                _fraction(s.position, doc_sizes[s.doc]),
                paragraph,
                s.position - paragraph_starts[(s.doc, s.paragraph)],
                doc_sizes[s.doc],
                doc_count,
                len(t),
                len(t) * n / total_tokens,
                _fraction(own_title_words[i], distinct_words[i]),
                _fraction(title.own_hits[i], size),
                _fraction(all_title_words[i], distinct_words[i]),
                _fraction(all_title_hits[i], size),
                title.best_coverage[i],
                _fraction(anchor_words[i], distinct_words[i]),
                _fraction(anchor_all, size),
                _fraction(anchor_other, size),
                anchor.best_coverage_other[i],
                cosines[i],
                0.0,  # centroid_rank, filled below
                support_sum[i] / size / max(doc_count - 1, 1),
                best_by_doc[i].max(),
                matching_docs[i],
                frequency_sum[i] / size,
                _fraction(digits[i], len(t)),
                _fraction(len(_CAPITALIZED.findall(text)) - 1, len(words)),
                float(any(q in text for q in _QUOTES)),
                float(text[:1] in _QUOTES or text[:1] == "-"),
                float(text.rstrip().endswith(":")),
                float(text.rstrip(_QUOTES + " ").endswith("?")),
                float("(" in text),
                float(first_person[i]),
                doc_centrality[s.doc],
                doc_tokens[s.doc] / total_tokens,
                _fraction(anchor.own_hits[i], size) if not is_anchor else 1.0,
                anchor.best_precision_other[i],
                anchor.mean_precision_other[i],
                title.best_precision[i],
                title.mean_coverage[i],
                lead.best_precision_other[i],
                lead.mean_precision_other[i],
                float(0 <= body_index < BODY_LEAD_SENTENCES),
                _fraction(body_index, body_sizes[s.doc]) if body_index >= 0 else -1.0,
                float(bool(_DATE.search(text))),
                digits[i],
                wide_count[i] / size,
                centrality_rank[s.doc],
            )
        )
    base = np.asarray(rows, dtype=np.float64).reshape(n, len(rows[0]) if rows else 0)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    base[:, column["centroid_rank"]] = _ranks(base[:, column["centroid_cosine"]])
    docs = sentence_docs
    extra = [_ranks(base[:, column[name]]) for name in RANKED_IN_STORY]
    for name in RANKED_IN_DOC:
        ranks = np.zeros(n)
        for doc in np.unique(docs):
            mask = docs == doc
            ranks[mask] = _ranks(base[mask, column[name]])
        extra.append(ranks)
    values = np.column_stack([base, *extra])
    sentence_matrix = FeatureMatrix(candidates=tuple(candidates), values=values, tokens=tuple(toks))
    bigram_matrix = _bigram_features(story, sentence_matrix, story_words, story_bigrams)
    return dataclasses.replace(sentence_matrix, bigrams=bigram_matrix)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each value from the largest (0.0) to the smallest (1.0); ties keep reading order."""
    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values)) / max(len(values) - 1, 1)
    return ranks


BIGRAM_FEATURE_NAMES: tuple[str, ...] = (
    "doc_share",
    "docs",
    "sentences",
    "sentence_share",
    "first_body_position",
    "first_relative_body_position",
    "sapo_docs",
    "title_docs",
    "body_lead_docs",
    "best_centroid_cosine",
    "best_cross_doc_overlap",
    "best_anchor_precision",
    "best_body_lead_overlap",
    "digits",
    "characters",
    "doc_count",
    "first_token_sentence_share",
    "second_token_sentence_share",
    "lead_given",
    "title_given",
    "best_anchor_overlap",
    "best_title_overlap",
    "first_relative_position",
)
_FAR = 50.0


@dataclass(frozen=True)
class BigramMatrix:
    """The distinct (matching) bigrams of a story's candidates and their features.

    ``ids[i]`` lists the bigrams of candidate ``i`` (with repeats) as row indices into ``values``, so
    selection can add up the predicted weight of the bigrams a sentence would newly cover.
    """

    grams: tuple[Bigram, ...]
    ids: tuple[np.ndarray, ...]
    values: np.ndarray
    names: tuple[str, ...] = BIGRAM_FEATURE_NAMES


def extract_bigrams(story: Story, matrix: FeatureMatrix) -> BigramMatrix:
    """Features of every distinct bigram of the candidates: where and how widely the story uses it.

    ROUGE-2 counts reference bigrams, and a bigram the reference uses is typically one that several
    outlets repeat early in their bodies, in their titles or sapos; function-word pairs that appear
    everywhere are not. A model over these predicts which bigrams the reference will contain.
    """
    words = _StoryWords.of(matrix.tokens or [tuple(match_tokens(s.text)) for s in matrix.candidates])
    return _bigram_features(story, matrix, words, _StoryBigrams.of(words))


def _bigram_features(
    story: Story, matrix: FeatureMatrix, words: _StoryWords, story_bigrams: _StoryBigrams
) -> BigramMatrix:
    candidates = matrix.candidates
    vocabulary, ids = story_bigrams.vocabulary, story_bigrams.ids
    size = len(vocabulary)
    values = np.zeros((size, len(BIGRAM_FEATURE_NAMES)))
    if not size:
        return BigramMatrix(grams=(), ids=ids, values=values)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    sentence = matrix.values
    doc_count = len(story.articles)
    n = len(candidates)

    # One row per (sentence, distinct bigram of it); per-bigram statistics are then scatter-reductions.
    pair_sentence, pair_bigram = story_bigrams.incidence.owner, story_bigrams.incidence.flat
    sentence_doc = np.asarray([s.doc for s in candidates])
    from_sapo = sentence[:, column["is_lead"]] * sentence[:, column["lead_given"]] > 0
    body_lead = sentence[:, column["is_body_lead"]] > 0

    def docs_with(mask: np.ndarray) -> np.ndarray:
        keep = mask[pair_sentence]
        doc_pairs = np.unique(pair_bigram[keep] * doc_count + sentence_doc[pair_sentence[keep]])
        return np.bincount(doc_pairs // doc_count, minlength=size).astype(np.float64)

    def smallest(name: str, default: float) -> np.ndarray:
        out = np.full(size, default)
        body = ~from_sapo[pair_sentence]
        np.minimum.at(out, pair_bigram[body], sentence[pair_sentence[body], column[name]])
        return out

    def largest(name: str) -> np.ndarray:
        out = np.zeros(size)
        np.maximum.at(out, pair_bigram, sentence[pair_sentence, column[name]])
        return out

    everywhere = np.ones(n, dtype=bool)
    docs = docs_with(everywhere)
    count = np.bincount(pair_bigram, minlength=size).astype(np.float64)
    first, second = story_bigrams.first, story_bigrams.second
    sentences_with_syllable = np.bincount(words.word, minlength=len(words.vocabulary))
    syllables = list(words.vocabulary)
    digit = words.digits
    characters = np.asarray([len(w) for w in syllables], dtype=np.float64)
    grams = tuple(vocabulary)
    title_docs = np.zeros(size)
    for a in story.articles:
        for g in set(ngrams(match_tokens(a.title), 2)):
            if g in vocabulary:
                title_docs[vocabulary[g]] += 1
    columns = {
        "doc_share": docs / doc_count,
        "docs": docs,
        "sentences": count,
        "sentence_share": count / n,
        "first_body_position": smallest("block_position", _FAR),
        "first_relative_body_position": smallest("relative_block_position", 1.0),
        "sapo_docs": docs_with(from_sapo),
        "title_docs": title_docs,
        "body_lead_docs": docs_with(body_lead),
        "best_centroid_cosine": largest("centroid_cosine"),
        "best_cross_doc_overlap": largest("cross_doc_best_overlap"),
        "best_anchor_precision": largest("anchor_precision_other_max"),
        "best_body_lead_overlap": largest("body_lead_overlap_max"),
        "digits": digit[first] + digit[second],
        "characters": characters[first] + characters[second],
        "doc_count": np.full(size, float(doc_count)),
        "first_token_sentence_share": sentences_with_syllable[first] / n,
        "second_token_sentence_share": sentences_with_syllable[second] / n,
        "lead_given": np.full(size, float(any(a.lead.strip() for a in story.articles))),
        "title_given": np.full(size, float(any(a.title.strip() for a in story.articles))),
        "best_anchor_overlap": largest("anchor_bigram_all"),
        "best_title_overlap": largest("title_bigram_all"),
        "first_relative_position": smallest("relative_position", 1.0),
    }
    values = np.column_stack([columns[name] for name in BIGRAM_FEATURE_NAMES])
    return BigramMatrix(grams=grams, ids=ids, values=values)
