"""Grouping a stream of articles into stories, and spotting syndicated copies.

Articles arrive a batch at a time (a feed, an archive, an HTTP request), so grouping is incremental: each
new article is compared with a *few candidate* articles already seen and joins the story of the most
similar one, or starts a new story. Nothing compares every pair, so the cost per article stays flat as
the store grows:

* **Topic candidates** come from an inverted index over each article's few most distinctive terms
  (tone-folded syllables and syllable bigrams weighted by tf-idf), split into time buckets so that only
  articles published within ``window_days`` are looked at.
* **Copy candidates** come from MinHash/LSH over word 4-shingles: a wire story re-published by another
  outlet shares most of its shingles with the original even when titles differ.

Similarity is the cosine of pruned tf-idf vectors (title weighted up, the publisher's lead counted once
more) and an article joins a story when its best match there reaches ``threshold``. Document
frequencies are updated for the whole batch *before* any of its articles is vectorized, so a first batch
of a few hundred articles already has useful idf and the result depends little on arrival order.

Plain cosine has one threshold for every story, while a crowded theme needs a higher cosine than a lone
story. So each article also keeps the best cosines ``decide`` computed with it (its *neighbour list*,
no extra comparisons), and after each batch :meth:`StoryIndex.regroup` re-assigns the batch and the
stored articles whose lists changed with a learned pair score that reads those lists
(:mod:`tomtat.pairs`): by then the batch's neighbours have arrived, which they had not at arrival.

Document frequencies start from a background corpus (:class:`Background`, counted by ``tomtat
train-stories`` on AbMuSu train and shipped in ``models/background.npy``). A store's own counts alone
make idf meaningless while it holds few articles: in five reports of one visit every article says "Kim"
and "Putin", which then weigh no more than "ông". The background gives them their weight from the first
article, and a growing store's own counts soon outweigh it.

Everything here is pure computation on plain data; the SQLite store (:mod:`tomtat.store`) persists
:class:`Fingerprint` blobs and replays them with :meth:`StoryIndex.add` when it reopens.
"""

from __future__ import annotations

import heapq
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tomtat.errors import InputError
from tomtat.text import match_tokens, normalize

if TYPE_CHECKING:
    from tomtat.pairs import PairModel

SECONDS_PER_DAY = 86_400.0
NUM_HASHES = 64
LSH_BANDS = 16
_ROWS_PER_BAND = NUM_HASHES // LSH_BANDS
_MASK64 = (1 << 64) - 1
NEIGHBOURS = 40  # cosines kept per article for the re-assignment pass
_POSITION_BITS = 32
_POSITION_MASK = (1 << _POSITION_BITS) - 1
_COSINE_SCALE = 1_000_000
DEFAULT_BACKGROUND = Path(__file__).resolve().parent / "models" / "background.npy"


def _pack(similarity: float, position: int) -> int:
    """A neighbour as one int ordered by cosine (then position): small in memory, fast to compare."""
    return (round(similarity * _COSINE_SCALE) << _POSITION_BITS) | position


def _unpack(packed: int) -> tuple[float, int]:
    return (packed >> _POSITION_BITS) / _COSINE_SCALE, packed & _POSITION_MASK


def _offer(near: list[int], packed: int) -> bool:
    """Offer a packed neighbour to a min-heap of at most NEIGHBOURS; True when it was kept."""
    if len(near) < NEIGHBOURS:
        heapq.heappush(near, packed)
        return True
    if packed > near[0]:
        heapq.heapreplace(near, packed)
        return True
    return False

# Function syllables that carry no topic. idf would learn most of them, but only after many articles;
# dropping them up front keeps the first articles of a fresh store from being matched on "của" and "và".
STOPWORDS = frozenset(
    """
    à á ạ ai anh bà bao bị bởi các cái cả cần cho chỉ chị chiếc chính chúng chưa có con còn cùng cũng
    của cứ dù đã đang đây để đến đều đi điều do đó đối được em gì giữa hay hết hơn họ khá khi không là
    lại làm lên lúc mà mình mỗi một này nào nay nên nếu ngày nhiều nhưng những nơi nữa ông phải qua
    ra rằng rất riêng sau sẽ so sự ta tại tháng theo thì thế thêm thấy tôi trên trong trước từ từng
    vẫn vào vậy về vì việc với vừa xuống ấy ở được như năm hiện cùng đây đấy bên mới chỉ đồng thời
    the of and to in a is for on
    """.split()
)

_RNG = np.random.default_rng(20220601)
_HASH_A = (_RNG.integers(1, 2**63, NUM_HASHES, dtype=np.uint64) | np.uint64(1)).reshape(-1, 1)
_HASH_B = _RNG.integers(0, 2**63, NUM_HASHES, dtype=np.uint64).reshape(-1, 1)


@lru_cache(maxsize=500_000)
def _term_hash(term: str) -> int:
    """A hash that is the same in every process (Python's ``hash`` of str is salted per run)."""
    return zlib.crc32(term.encode("utf-8"))


@lru_cache(maxsize=500_000)
def _is_content(token: str) -> bool:
    return len(token) > 1 and token not in STOPWORDS


def _token_hashes(tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    hashes = np.fromiter((_term_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    content = np.fromiter((_is_content(t) for t in tokens), dtype=bool, count=len(tokens))
    return hashes, content


def _combine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """32-bit hash of an ordered pair of 32-bit hashes (syllable bigrams, shingles)."""
    with np.errstate(over="ignore"):
        mixed = (first * np.uint64(0x9E3779B97F4A7C15) + second) * np.uint64(0xBF58476D1CE4E5B9)
    return mixed >> np.uint64(32)


@dataclass(frozen=True)
class Fingerprint:
    """What grouping needs to know about one article, compact enough to persist for 100k articles.

    ``terms``/``counts``: hashed matching terms (syllables and syllable bigrams, the title and the lead
    counted several times) and their weighted counts, pruned to the most distinctive ones. ``minhash``: a
    MinHash signature of the article's word 4-shingles, for near-duplicate detection.
    """

    terms: tuple[int, ...]
    counts: tuple[int, ...]
    minhash: tuple[int, ...]

    def to_bytes(self) -> bytes:
        """Serialize as ``uint32 n | n×uint32 terms | n×uint16 counts | 64×uint32 minhash``."""
        count = len(self.terms)
        return b"".join(
            (
                np.array([count], dtype="<u4").tobytes(),
                np.asarray(self.terms, dtype="<u4").tobytes(),
                np.minimum(np.asarray(self.counts, dtype=np.int64), 65_535).astype("<u2").tobytes(),
                np.asarray(self.minhash, dtype="<u4").tobytes(),
            )
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> Fingerprint:
        count = int(np.frombuffer(blob, dtype="<u4", count=1)[0])
        terms = np.frombuffer(blob, dtype="<u4", count=count, offset=4)
        counts = np.frombuffer(blob, dtype="<u2", count=count, offset=4 + 4 * count)
        minhash = np.frombuffer(blob, dtype="<u4", count=NUM_HASHES, offset=4 + 6 * count)
        return cls(tuple(terms.tolist()), tuple(counts.tolist()), tuple(minhash.tolist()))


@dataclass(frozen=True)
class RawTerms:
    """All matching terms of one article before pruning; lives only while its batch is processed."""

    terms: np.ndarray
    counts: np.ndarray
    minhash: tuple[int, ...]


def lead_and_body(text: str) -> tuple[str, str]:
    """Split plain article text into its first paragraph (playing the publisher's lead) and the rest."""
    lead, _, body = text.strip().partition("\n")
    if not body.strip():
        return "", lead
    return lead, body


def extract_terms(title: str, lead: str, text: str, title_weight: int = 4, lead_weight: int = 2) -> RawTerms:
    """Tone-folded syllables and syllable bigrams of an article, and the MinHash of its body shingles.

    The title and the lead are counted several times because outlets put the story's names, places and
    numbers there; the body supplies the rest of the vocabulary. Stopword syllables are dropped, and
    bigrams made of two stopwords.
    """
    parts: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    body: list[np.ndarray] = []
    for part, weight in ((title, title_weight), (lead, lead_weight), (text, 1)):
        tokens = match_tokens(normalize(part)) if part else []
        if not tokens:
            continue
        hashes, content = _token_hashes(tokens)
        if part is not title:
            body.append(hashes)
        bigrams = _combine(hashes[:-1], hashes[1:])[content[:-1] | content[1:]]
        terms = np.concatenate((hashes[content], bigrams))
        parts.append(terms)
        weights.append(np.full(len(terms), weight, dtype=np.int64))
    if not parts:
        empty = np.zeros(0, dtype=np.uint64)
        return RawTerms(terms=empty, counts=empty.astype(np.int64), minhash=minhash_signature(empty))
    unique, inverse = np.unique(np.concatenate(parts), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate(weights)).astype(np.int64)
    return RawTerms(
        terms=unique,
        counts=counts,
        minhash=minhash_signature(np.concatenate(body) if body else np.zeros(0, dtype=np.uint64)),
    )


def minhash_signature(token_hashes: np.ndarray, shingle: int = 4) -> tuple[int, ...]:
    """MinHash of the set of word ``shingle``-grams: P(equal component) = Jaccard of the shingle sets."""
    if len(token_hashes) == 0:
        return (0xFFFFFFFF,) * NUM_HASHES
    grams = token_hashes[: max(1, len(token_hashes) - shingle + 1)].copy()
    for offset in range(1, min(shingle, len(token_hashes))):
        grams = _combine(grams, token_hashes[offset : offset + len(grams)])
    values = np.unique(grams)
    with np.errstate(over="ignore"):
        mixed = (_HASH_A * values.reshape(1, -1) + _HASH_B) >> np.uint64(32)
    return tuple(mixed.min(axis=1).tolist())


def minhash_similarity(first: Sequence[int], second: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return sum(1 for a, b in zip(first, second, strict=True) if a == b) / NUM_HASHES


def _top(weights: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest weights, largest first (ties by position, so runs repeat)."""
    return np.argsort(-weights, kind="stable")[:count]


@dataclass(frozen=True)
class Decision:
    """Where one article goes: an existing story (``story``), or a new one when ``story`` is None.

    ``copy_of`` is the index key of the stored article it near-duplicates, if any; ``score`` the cosine
    (or shingle similarity, for copies) that decided it. ``merge`` lists other stories the article is
    just as close to (score ≥ ``merge_threshold``): it bridges them, so they are one story that arrived
    in pieces and the caller merges them into ``story`` (see :meth:`StoryIndex.merge`).
    """

    story: int | None
    copy_of: str | None = None
    score: float = 0.0
    merge: tuple[int, ...] = ()


@dataclass(frozen=True)
class Move:
    """One article moved by :meth:`StoryIndex.regroup` from story ``source`` to story ``target``."""

    key: str
    source: int
    target: int


@dataclass(slots=True)
class _Entry:
    key: str
    story: int
    published: float | None
    terms: array
    weights: array
    minhash: array
    copy: bool = False
    known: bool = True  # its neighbour list was filled as it arrived (False when replayed from storage)


@dataclass(frozen=True)
class Background:
    """Document frequencies of the terms of a background corpus, added to a store's own counts.

    ``terms`` is sorted (hashed terms, as in :class:`RawTerms`) and ``counts[i]`` is the number of the
    ``documents`` articles that contain ``terms[i]``; terms found in fewer than ``min_count`` of them are
    left out when counting (they would weigh almost as much as unseen terms anyway).
    """

    documents: int
    terms: np.ndarray
    counts: np.ndarray

    @classmethod
    def count(cls, raws: Iterable[RawTerms], min_count: int = 2) -> Background:
        documents = 0
        frequencies: Counter[int] = Counter()
        for raw in raws:
            documents += 1
            frequencies.update(raw.terms.tolist())
        kept = sorted(term for term, n in frequencies.items() if n >= min_count)
        counts = [frequencies[term] for term in kept]
        return cls(documents, np.asarray(kept, dtype=np.uint64), np.asarray(counts, dtype=np.int64))

    def frequencies(self, terms: np.ndarray) -> np.ndarray:
        """The background count of each of ``terms`` (0 for terms it does not hold)."""
        if not len(self.terms) or not len(terms):
            return np.zeros(len(terms), dtype=np.float64)
        where = np.minimum(np.searchsorted(self.terms, terms), len(self.terms) - 1)
        return np.where(self.terms[where] == terms, self.counts[where], 0).astype(np.float64)

    def save(self, path: str | Path) -> Path:
        """One flat uint32 array, ``[documents, n, n terms, n counts]``: byte-identical on every rebuild
        (``np.savez`` would stamp the time into its zip)."""
        path = Path(path)
        header = np.asarray([self.documents, len(self.terms)], dtype=np.uint32)
        flat = np.concatenate((header, self.terms.astype(np.uint32), self.counts.astype(np.uint32)))
        with path.open("wb") as stream:
            np.save(stream, flat, allow_pickle=False)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Background:
        try:
            flat = np.load(Path(path), allow_pickle=False)
            documents, size = int(flat[0]), int(flat[1])
            terms = flat[2 : 2 + size].astype(np.uint64)
            counts = flat[2 + size : 2 + 2 * size].astype(np.int64)
            if flat.ndim != 1 or len(counts) != size or len(flat) != 2 + 2 * size:
                raise ValueError("wrong length")
        except (OSError, ValueError, IndexError) as error:
            raise InputError(f"{path}: not a background frequency file ({error})") from None
        return cls(documents, terms, counts)


@lru_cache(maxsize=1)
def default_background() -> Background | None:
    """The shipped background frequencies, or None when the file is missing (the store's own only)."""
    try:
        return Background.load(DEFAULT_BACKGROUND)
    except InputError:
        return None


class StoryIndex:
    """Incremental story grouping over everything seen so far (in memory).

    Usage per batch: :meth:`observe` the raw terms of every article of the batch (document frequencies),
    then for each article :meth:`fingerprint` it, :meth:`decide` its story, and :meth:`add` it with the
    story id the caller chose (a new id when the decision says so); after the batch, optionally
    :meth:`regroup` the :meth:`touched` positions. Parameters are explicit and the only state is what was
    added (and moved), so replaying the same calls rebuilds the same index. Articles replayed with
    :meth:`add` alone start with empty neighbour lists, which :meth:`restore_neighbours` fills back.

    ``threshold``: cosine needed to join a story. ``copy_threshold``: estimated Jaccard of 4-shingle sets
    for a near-duplicate. ``window_days``: articles further apart in time are never compared (undated
    articles are compared with everything). ``vector_terms``: terms kept per article vector;
    ``key_terms``: terms per article in the inverted index; ``query_terms``: terms of a new article looked
    up there; ``candidates``: most promising candidate
    articles scored exactly per new article.

    Defaults were chosen on the AbMuSu train pool (621 articles, 200 stories; 5 shuffles) and checked on
    the validation and full pools: 100 vector terms rather than 60 keep the story's secondary names and
    numbers in the vector (B-cubed F1 on the full pool 0.883 -> 0.894), and the threshold moves with it.
    Lexical similarity cannot go much further there: offline average linkage over the full similarity
    matrix reaches 0.90, and only 91% of articles have their nearest neighbour in their own story.
    """

    MAX_MEMBERS = 30

    def __init__(
        self,
        *,
        threshold: float = 0.13,
        copy_threshold: float = 0.7,
        window_days: float = 7.0,
        stored_terms: int = 150,
        vector_terms: int = 100,
        key_terms: int = 20,
        query_terms: int = 40,
        candidates: int = 40,
        linkage: str = "average",
        merge_threshold: float | None = 0.2,
        title_weight: int = 4,
        lead_weight: int = 2,
        background: Background | bool | None = True,
    ) -> None:
        self.threshold = threshold
        self.copy_threshold = copy_threshold
        self.window_days = window_days
        self.stored_terms = stored_terms
        self.vector_terms = vector_terms
        self.key_terms = key_terms
        self.query_terms = query_terms
        self.candidates = candidates
        self.linkage = linkage
        self.merge_threshold = threshold if merge_threshold is None else merge_threshold
        self.title_weight = title_weight
        self.lead_weight = lead_weight
        self.background = default_background() if background is True else background or None
        self.df: Counter[int] = Counter()
        self.documents = 0
        self._entries: list[_Entry] = []
        self._position: dict[str, int] = {}
        self._postings: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._bands: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._members: dict[int, list[int]] = defaultdict(list)
        self._seen_buckets: set[int] = set()
        self._vector_cache: tuple[Fingerprint, tuple[array, array]] | None = None
        # Neighbour lists for the re-assignment pass (:meth:`regroup`): per position a min-heap of the
        # NEIGHBOURS best cosines decide() computed with it, packed as ints (see _pack).
        self._near: list[list[int]] = []
        self._pending: dict[int, float] = {}
        self._pending_for: Fingerprint | None = None
        self._touched: set[int] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._position

    # -- document frequencies -------------------------------------------------------------------------
    def observe(self, batch: Iterable[RawTerms]) -> None:
        """Count document frequencies of a whole batch before any of it is vectorized."""
        for raw in batch:
            self.documents += 1
            self.df.update(raw.terms.tolist())

    def load_df(self, documents: int, df: dict[int, int]) -> None:
        """Replace document frequencies by persisted ones (a store reopening)."""
        self.documents = documents
        self.df = Counter(df)

    def _weights(self, terms: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Sublinear tf × smoothed idf for parallel arrays of terms and counts."""
        df = self.df
        freq = np.fromiter((df.get(t, 0) for t in terms.tolist()), dtype=np.float64, count=len(terms))
        documents = self.documents
        if self.background is not None:
            freq += self.background.frequencies(terms)
            documents += self.background.documents
        idf = np.log((documents + 1) / (freq + 1)) + 1.0
        return (1.0 + np.log(np.maximum(counts, 1))) * idf

    # -- vectors ----------------------------------------------------------------------------------------
    def fingerprint(self, raw: RawTerms) -> Fingerprint:
        """Prune raw terms to the ``stored_terms`` most distinctive ones (by tf-idf now) for storage."""
        weights = self._weights(raw.terms, raw.counts)
        order = _top(weights, self.stored_terms)
        terms, counts = raw.terms[order].tolist(), raw.counts[order].tolist()
        return Fingerprint(terms=tuple(terms), counts=tuple(counts), minhash=raw.minhash)

    def vector(self, fingerprint: Fingerprint) -> tuple[array, array]:
        """Unit tf-idf vector over the ``vector_terms`` heaviest terms, heaviest first."""
        cached = self._vector_cache
        if cached is not None and cached[0] is fingerprint:
            return cached[1]
        terms = np.asarray(fingerprint.terms, dtype=np.uint64)
        weights = self._weights(terms, np.asarray(fingerprint.counts, dtype=np.int64))
        order = _top(weights, self.vector_terms)
        kept = weights[order]
        norm = float(np.sqrt((kept * kept).sum())) or 1.0
        vector = array("I", terms[order].tolist()), array("f", (kept / norm).tolist())
        self._vector_cache = (fingerprint, vector)
        return vector

    # -- assignment -------------------------------------------------------------------------------------
    def _buckets(self, published: float | None) -> list[int]:
        if published is None:
            return [-1]
        bucket = self._bucket(published)
        return [bucket - 1, bucket, bucket + 1, -1]

    def _bucket(self, published: float | None) -> int:
        if published is None:
            return -1
        return int(published // (self.window_days * SECONDS_PER_DAY))

    def _in_window(self, published: float | None, other: float | None) -> bool:
        if published is None or other is None:
            return True
        return abs(published - other) <= self.window_days * SECONDS_PER_DAY

    def decide(self, fingerprint: Fingerprint, published: float | None = None) -> Decision:
        """The story this article should join (or a new one), and the article it copies, if any."""
        self._pending = {}
        self._pending_for = fingerprint
        terms, weights = self.vector(fingerprint)
        query = dict(zip(terms, weights, strict=True))
        votes: Counter[int] = Counter()
        for term in terms[: self.query_terms]:
            for bucket in self._term_buckets(published):
                for position in self._postings.get((term, bucket), ()):
                    votes[position] += 1
        copy_candidates: set[int] = set()
        for band in range(LSH_BANDS):
            copy_candidates.update(self._bands.get(self._band_key(fingerprint.minhash, band), ()))
        candidates = {position for position, _ in votes.most_common(self.candidates)} | copy_candidates

        best_copy: tuple[float, int] | None = None
        stories: set[int] = set()
        for position in candidates:
            entry = self._entries[position]
            if not self._in_window(published, entry.published):
                continue
            stories.add(entry.story)
            shingles = minhash_similarity(fingerprint.minhash, entry.minhash)
            if shingles >= self.copy_threshold and (best_copy is None or shingles > best_copy[0]):
                best_copy = (shingles, position)
        if best_copy is not None:
            entry = self._entries[best_copy[1]]
            return Decision(story=entry.story, copy_of=entry.key, score=best_copy[0])
        scores = {story: self._story_score(query, story, published) for story in stories}
        joinable = sorted((story for story, score in scores.items() if score >= self.threshold))
        if not joinable:
            return Decision(story=None)
        best = max(joinable, key=lambda story: (scores[story], -story))
        bridged = [s for s in joinable if s != best and scores[s] >= self.merge_threshold]
        if bridged:
            target = min(best, *bridged)  # the oldest story keeps its id
            merged = tuple(s for s in (best, *bridged) if s != target)
            return Decision(story=target, score=scores[best], merge=merged)
        return Decision(story=best, score=scores[best])

    def _story_score(self, query: dict[int, float], story: int, published: float | None) -> float:
        """Similarity of an article to a story: linkage over the story's recent members in the window."""
        sims = []
        for position in self._members[story][-self.MAX_MEMBERS :]:
            entry = self._entries[position]
            if entry.copy or not self._in_window(published, entry.published):
                continue
            similarity = sum(query.get(t, 0.0) * w for t, w in zip(entry.terms, entry.weights, strict=True))
            sims.append(similarity)
            self._pending[position] = similarity
        if not sims:
            return 0.0
        if self.linkage == "single":
            return max(sims)
        if self.linkage == "complete":
            return min(sims)
        if self.linkage == "mixed":
            return 0.5 * max(sims) + 0.5 * sum(sims) / len(sims)
        return sum(sims) / len(sims)

    def _term_buckets(self, published: float | None) -> list[int]:
        if published is None:
            return self._undated_buckets
        return self._buckets(published)

    @property
    def _undated_buckets(self) -> list[int]:
        return sorted(self._seen_buckets)

    def place(
        self,
        key: str,
        fingerprint: Fingerprint,
        new_story: Callable[[], int],
        published: float | None = None,
    ) -> tuple[Decision, int]:
        """One arrival: :meth:`decide` the article's story, fold the stories it bridges into it, and
        :meth:`add` it there, or under ``new_story()`` when it starts one. Returns the decision and the
        story it joined."""
        decision = self.decide(fingerprint, published)
        story = decision.story
        if story is not None and decision.merge:
            self.merge(decision.merge, story)
        if story is None:
            story = new_story()
        self.add(key, fingerprint, story, published, copy=decision.copy_of is not None)
        return decision, story

    def add(
        self,
        key: str,
        fingerprint: Fingerprint,
        story: int,
        published: float | None = None,
        copy: bool = False,
        vector: tuple[array, array] | None = None,
    ) -> None:
        """Index an article under ``story`` (after :meth:`decide`, or when replaying a stored store).

        ``vector``: the (terms, weights) the article had when it arrived (:meth:`vector_of`), for a replay.
        Without it the vector is computed with today's document frequencies, and a reopened store then
        groups differently from the one that never closed (validation pool, batches of 25, store
        reopened for each: B-cubed F1 0.931 with recomputed vectors, 0.955 with the arrival ones).
        """
        if key in self._position:
            return
        terms, weights = vector if vector is not None else self.vector(fingerprint)
        position = len(self._entries)
        minhash = array("I", fingerprint.minhash)  # not a tuple of ints: nothing for the GC to traverse
        known = self._pending_for is fingerprint
        self._entries.append(_Entry(key, story, published, terms, weights, minhash, copy, known))
        self._position[key] = position
        near: list[int] = []
        if known:
            for other, similarity in self._pending.items():
                _offer(near, _pack(similarity, other))
                if _offer(self._near[other], _pack(similarity, position)):
                    self._touched.add(other)
            self._touched.add(position)
        self._near.append(near)
        self._pending = {}
        self._pending_for = None
        self._members[story].append(position)
        bucket = self._bucket(published)
        self._seen_buckets.add(bucket)
        for term in terms[: self.key_terms]:
            self._postings[(term, bucket)].append(position)
        for band in range(LSH_BANDS):
            self._bands[self._band_key(fingerprint.minhash, band)].append(position)

    @staticmethod
    def _band_key(minhash: Sequence[int], band: int) -> tuple[int, int]:
        start = band * _ROWS_PER_BAND
        return band, hash(tuple(minhash[start : start + _ROWS_PER_BAND]))

    def merge(self, sources: Iterable[int], target: int) -> None:
        """Relabel every article of the stories ``sources`` as story ``target``."""
        for source in sources:
            if source == target:
                continue
            members = self._members.pop(source, [])
            for position in members:
                self._entries[position].story = target
            self._members[target].extend(members)

    # -- re-assignment ----------------------------------------------------------------------------------
    def vector_of(self, key: str) -> tuple[array, array]:
        """The unit vector (terms, weights) an indexed article was given when it was added."""
        entry = self._entries[self._position[key]]
        return entry.terms, entry.weights

    def story_of(self, key: str) -> int:
        """The story an indexed article is in now."""
        return self._entries[self._position[key]].story

    def story_size(self, story: int) -> int:
        """Articles (copies included) the index holds under ``story``."""
        return len(self._members.get(story, ()))

    def touched(self) -> list[int]:
        """Positions added or whose neighbour list changed since the last call (sorted); then forgets them."""
        touched = sorted(self._touched)
        self._touched = set()
        return touched

    def restore_neighbours(self, position: int, near: Iterable[tuple[float, int]]) -> None:
        """Give a replayed article (:meth:`add` without :meth:`decide`) the neighbour list it had, as
        (cosine, position) pairs, so it takes part in the re-assignment pass at once."""
        packed = [_pack(similarity, other) for similarity, other in near if 0 <= other < len(self._entries)]
        heap = heapq.nlargest(NEIGHBOURS, packed)
        heapq.heapify(heap)
        self._near[position] = heap

    def neighbours(self, position: int, count: int = NEIGHBOURS) -> list[tuple[float, int]]:
        """The ``count`` best (cosine, position) pairs known for a stored article, best first."""
        return [_unpack(packed) for packed in heapq.nlargest(count, self._near[position])]

    def _cosines(self, position: int, others: Sequence[int]) -> np.ndarray:
        """Exact cosines of one stored article with several others, in one vectorized sweep."""
        entry = self._entries[position]
        terms = np.frombuffer(entry.terms, dtype=np.uint32)
        if len(terms) == 0 or not others:
            return np.zeros(len(others))
        order = np.argsort(terms, kind="stable")
        own_terms = terms[order]
        own_weights = np.frombuffer(entry.weights, dtype=np.float32)[order].astype(np.float64)
        rows = [self._entries[other] for other in others]
        other_terms = np.frombuffer(b"".join(row.terms for row in rows), dtype=np.uint32)
        other_weights = np.frombuffer(b"".join(row.weights for row in rows), dtype=np.float32)
        owner = np.repeat(np.arange(len(rows)), [len(row.terms) for row in rows])
        slot = np.minimum(np.searchsorted(own_terms, other_terms), len(own_terms) - 1)
        hit = own_terms[slot] == other_terms
        products = own_weights[slot[hit]] * other_weights[hit]
        return np.bincount(owner[hit], weights=products, minlength=len(rows))

    def _neighbourhood(
        self, position: int, depth: int, cache: dict[int, tuple[np.ndarray, float, float]]
    ) -> tuple[np.ndarray, float, float]:
        """An article's ``depth`` best known cosines (padded with -inf), its 5th-best and its best."""
        found = cache.get(position)
        if found is None:
            values = [packed >> _POSITION_BITS for packed in heapq.nlargest(depth, self._near[position])]
            row = np.full(depth, -np.inf)
            row[: len(values)] = np.asarray(values, dtype=np.float64) / _COSINE_SCALE
            fifth = row[4] if len(values) >= 5 else (row[len(values) - 1] if values else 0.0)
            found = (row, float(fifth), float(row[0]) if values else 0.0)
            cache[position] = found
        return found

    def pair_features(
        self,
        position: int,
        others: Sequence[int],
        depth: int = 20,
        cache: dict[int, tuple[np.ndarray, float, float]] | None = None,
    ) -> np.ndarray:
        """Features of the pairs (``position``, other) for the learned pair score, one row per other.

        Columns (see :data:`tomtat.pairs.FEATURES`): cosine; log(1 + rank) of the pair in the shorter and
        in the longer-ranked of the two articles' lists of ``depth`` best known neighbours; cosine minus
        the larger of the two 5th-best cosines; cosine minus the larger of the two best cosines. The
        neighbourhood columns give each pair a *local scale*: a crowded theme needs a higher cosine than
        a lone story to be the same story.
        """
        cache = {} if cache is None else cache
        cosine = np.round(self._cosines(position, others) * _COSINE_SCALE) / _COSINE_SCALE
        own, own_fifth, own_best = self._neighbourhood(position, depth, cache)
        stats = [self._neighbourhood(other, depth, cache) for other in others]
        their = np.array([row for row, _, _ in stats]).reshape(len(others), depth)
        fifth = np.array([value for _, value, _ in stats])
        best = np.array([value for _, _, value in stats])
        rank_own = (own[None, :] > cosine[:, None]).sum(axis=1)
        rank_their = (their > cosine[:, None]).sum(axis=1)
        return np.column_stack(
            (
                cosine,
                np.log1p(np.minimum(rank_own, rank_their)),
                np.log1p(np.maximum(rank_own, rank_their)),
                cosine - np.maximum(own_fifth, fifth),
                cosine - np.maximum(own_best, best),
            )
        )

    def _core(self, story: int, loose: set[int]) -> list[int]:
        """The story's latest MAX_MEMBERS originals that are not being re-clustered: they stay together."""
        found: list[int] = []
        for member in reversed(self._members.get(story, ())):
            if member in loose or self._entries[member].copy:
                continue
            found.append(member)
            if len(found) == self.MAX_MEMBERS:
                break
        return found

    def _published(self, positions: Sequence[int]) -> np.ndarray:
        """Publication times of positions, NaN for undated ones (NaN is in every time window)."""
        return np.array([np.nan if (p := self._entries[m].published) is None else p for m in positions])

    def _window_pairs(self, first: Sequence[int], second: Sequence[int]) -> float:
        """How many pairs across two groups of articles are in each other's time window."""
        gap = np.abs(self._published(first)[:, None] - self._published(second)[None, :])
        return float(np.count_nonzero(~(gap > self.window_days * SECONDS_PER_DAY)))

    def regroup(
        self,
        positions: Iterable[int],
        model: PairModel,
        new_story: Callable[[str], int] | None = None,
    ) -> list[Move]:
        """Re-cluster articles with the learned pair score once their neighbourhoods are known.

        At arrival an article is placed by plain cosine against what is stored. After the batch, each of
        ``positions`` (the batch and the stored articles it changed the neighbourhood of, see
        :meth:`touched`) is taken out of its story as a group of its own; the other articles of its
        story and of its neighbours' stories stay together as one group per story (the latest
        MAX_MEMBERS of each speak for it). Then average linkage: the two groups with the highest mean
        pair probability are merged while that mean reaches ``model.threshold``. Only groups that a
        neighbour list connects are compared, and pairs no neighbour list holds count as 0, so the cost
        stays proportional to the articles re-clustered; pairs outside each other's time window are
        left out of the mean. A group with a story's untouched articles keeps that story's id (several:
        the oldest, the others are merged into it); a group of re-clustered articles only takes the
        story most of them were in when no other group kept it, else a new id from ``new_story(key)``.
        Copies and older members follow their story. Articles whose lists hold fewer than 5 neighbours
        (replayed without :meth:`restore_neighbours`) do not take part. Returns the moves in order.

        Chosen against the earlier per-article re-assignment (two sweeps of "move to the story with the
        highest mean") because it also splits stories and merges them as wholes; see docs/stories.md.
        """
        allocate = new_story or self._next_story
        loose = [p for p in positions if self._regroupable(p)]
        if not loose:
            return []
        groups, kept = self._regroup_groups(loose)
        reserved = set(kept.values())  # stories with untouched articles: only their own group keeps them
        alive = self._average_linkage(groups, kept, model)
        return self._relabel(groups, kept, alive, allocate, reserved)

    def _regroupable(self, position: int) -> bool:
        entry = self._entries[position]
        near = self._near[position]
        return not entry.copy and bool(near) and (entry.known or len(near) >= 5)

    def _regroup_groups(self, loose: list[int]) -> tuple[list[list[int]], dict[int, int]]:
        """Starting groups: one per story involved (its untouched originals), then one per loose article.
        Returns the groups and, for the story groups, which story each one is."""
        loose_set = set(loose)
        stories = {self._entries[p].story for p in loose}
        for position in loose:
            stories.update(self._entries[packed & _POSITION_MASK].story for packed in self._near[position])
        groups: list[list[int]] = []
        kept: dict[int, int] = {}
        for story in sorted(stories):
            core = self._core(story, loose_set)
            if core:
                kept[len(groups)] = story
                groups.append(core)
        groups.extend([position] for position in loose)
        return groups, kept

    def _average_linkage(self, groups: list[list[int]], kept: dict[int, int], model: PairModel) -> set[int]:
        """Merge groups (in place: ``groups[a]`` absorbs ``groups[b]``, ``kept`` follows) while the best
        mean pair probability between two connected groups reaches ``model.threshold``. Returns the
        indices of the groups left."""
        group_of = {member: number for number, members in enumerate(groups) for member in members}
        linked: dict[int, set[int]] = defaultdict(set)
        for member, number in group_of.items():
            for packed in self._near[member]:
                other = group_of.get(packed & _POSITION_MASK)
                if other is not None and other != number:
                    linked[number].add(other)
                    linked[other].add(number)
        # sums[(a, b)] = [sum of pair probabilities, pairs in each other's window], a < b
        sums: dict[tuple[int, int], list[float]] = {}
        cache: dict[int, tuple[np.ndarray, float, float]] = {}
        window = self.window_days * SECONDS_PER_DAY
        for number in sorted(linked):
            later = sorted(other for other in linked[number] if other > number)
            if not later:
                continue
            others = np.array([member for other in later for member in groups[other]])
            owner = np.repeat(np.arange(len(later)), [len(groups[other]) for other in later])
            published = self._published(others)
            total = np.zeros(len(later))
            count = np.zeros(len(later))
            for member in groups[number]:
                own = self._entries[member].published
                gap = np.zeros(len(others)) if own is None else np.abs(published - own)
                inside = ~(gap > window)  # NaN (undated) is in every window
                if not inside.any():
                    continue
                chosen = others[inside].tolist()
                probability = model.predict(self.pair_features(member, chosen, model.neighbours, cache))
                total += np.bincount(owner[inside], weights=probability, minlength=len(later))
                count += np.bincount(owner[inside], minlength=len(later))
            for slot, other in enumerate(later):
                sums[(number, other)] = [float(total[slot]), float(count[slot])]

        heap: list[tuple[float, int, int, int, int]] = []
        version: Counter[int] = Counter()

        def offer(first: int, second: int) -> None:
            pair = (min(first, second), max(first, second))
            total, count = sums.get(pair, (0.0, 0.0))
            if count and total / count >= model.threshold:
                heapq.heappush(heap, (-total / count, *pair, version[pair[0]], version[pair[1]]))

        for first, second in sorted(sums):
            offer(first, second)
        alive = set(range(len(groups)))
        while heap:
            _, first, second, first_version, second_version = heapq.heappop(heap)
            if version[first] != first_version or version[second] != second_version:
                continue  # one of them has changed since this mean was computed
            around = (linked.pop(second, set()) | linked[first]) - {first, second}
            for other in around:  # Lance-Williams: the merged group's sums are the sums of its parts
                merged = [0.0, 0.0]
                for part in (first, second):
                    found = sums.pop((min(part, other), max(part, other)), None)
                    if found is None:  # no neighbour list links them: their pairs count as 0
                        found = [0.0, self._window_pairs(groups[part], groups[other])]
                    merged[0] += found[0]
                    merged[1] += found[1]
                sums[(min(first, other), max(first, other))] = merged
                linked[other].discard(second)
                linked[other].add(first)
            sums.pop((first, second), None)
            linked[first] = around
            groups[first] = groups[first] + groups[second]
            groups[second] = []
            if second in kept:
                kept[first] = min(kept[first], kept[second]) if first in kept else kept[second]
                del kept[second]
            alive.discard(second)
            version[first] += 1
            version[second] += 1
            for other in sorted(around):
                offer(first, other)
        return alive

    def _relabel(
        self,
        groups: list[list[int]],
        kept: dict[int, int],
        alive: set[int],
        allocate: Callable[[str], int],
        reserved: set[int],
    ) -> list[Move]:
        """Give each final group a story id and move articles there; stories that lost their group
        (merged into another) send what is left in them, copies and older members, after their articles."""
        reserved = set(reserved)
        label = {number: kept[number] for number in alive if number in kept}
        overlaps = sorted(
            (-count, story, number)
            for number in alive
            if number not in label
            for story, count in Counter(self._entries[m].story for m in groups[number]).items()
        )
        for _, story, number in overlaps:
            if number not in label and story not in reserved:
                label[number] = story
                reserved.add(story)
        moves: list[Move] = []
        went: dict[int, Counter[int]] = defaultdict(Counter)
        for number in sorted(alive):
            if number not in label:
                label[number] = allocate(self._entries[groups[number][0]].key)
            for member in sorted(groups[number]):
                went[self._entries[member].story][label[number]] += 1
        for number in sorted(alive):
            for member in sorted(groups[number]):
                self._move(member, label[number], moves)
        labelled = set(label.values())
        for story, targets in sorted(went.items()):
            if story in labelled or story not in self._members:
                continue
            target = targets.most_common(1)[0][0]
            for member in list(self._members[story]):
                self._move(member, target, moves)
        return moves

    def _move(self, position: int, target: int, moves: list[Move]) -> None:
        entry = self._entries[position]
        source = entry.story
        if source == target:
            return
        members = self._members[source]
        members.remove(position)
        if not members:
            del self._members[source]
        self._members[target].append(position)
        entry.story = target
        moves.append(Move(entry.key, source, target))

    def _next_story(self, key: str) -> int:
        return max(self._members, default=-1) + 1
