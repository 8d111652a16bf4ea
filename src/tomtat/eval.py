"""Evaluation: tomtat and the baselines on the same stories, in one run, with intervals and timings.

Every system summarizes every story under the same syllable budget; each summary is scored against the
story's reference with :func:`tomtat.rouge.score` (the metric in docs/metric.md), and the per-story scores
are macro-averaged. The 95% intervals come from a percentile bootstrap over stories with a fixed seed;
all systems share the same resamples, so the interval of a *difference* (ΔR2 against the first system)
is paired and much tighter than the two separate intervals suggest.

Timings are wall-clock milliseconds per story of the summarizing call only (not scoring), after one
untimed warm-up call per system so that model loading and lazy imports are not charged to the first
story; whole-process timings, start-up included, are in ``bench/bench_core.py``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tomtat import baselines
from tomtat.corpus import Cluster
from tomtat.errors import InputError
from tomtat.rouge import score
from tomtat.summarizer import check_words, summarize
from tomtat.types import Article, Summary

System = Callable[[Sequence[Article], int, str], Summary]
"""A system under evaluation: (articles, words, reference) -> Summary. Only the oracle reads the reference."""

SYSTEMS: dict[str, System] = {
    "tomtat": lambda articles, words, reference: summarize(articles, words),
    "lead": lambda articles, words, reference: baselines.lead(articles, words),
    "lexrank": lambda articles, words, reference: baselines.lexrank(articles, words),
    "centroid": lambda articles, words, reference: baselines.centroid_mmr(articles, words),
    "oracle": lambda articles, words, reference: baselines.oracle(articles, words, reference),
}
DESCRIPTIONS: dict[str, str] = {
    "tomtat": "tomtat.summarize (default model)",
    "lead": "round-robin lead sentences of each article",
    "lexrank": "sumy LexRank on tomtat's sentences and syllables",
    "centroid": f"TF-IDF centroid + MMR, λ = {baselines.MMR_LAMBDA}",
    "oracle": "greedy ROUGE-2 oracle (reads the reference)",
}
DEFAULT_SYSTEMS: tuple[str, ...] = tuple(SYSTEMS)
METRICS: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")
RESAMPLES = 1000
SEED = 20220


@dataclass(frozen=True)
class Interval:
    """A macro-average with its 95% percentile-bootstrap interval, all in [0, 1]."""

    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class StoryResult:
    """One system's summary of one story: its scores, length and time."""

    story: int
    line: int
    rouge1: float
    rouge2: float
    rougeL: float
    length: int
    milliseconds: float
    error: str = ""


@dataclass(frozen=True)
class SystemResult:
    """Macro-averaged scores of one system, with intervals, mean length and mean time per story.

    ``rouge2_delta`` is this system's ROUGE-2 minus the first system's, paired over the same resamples
    (``None`` for the first system itself).
    """

    name: str
    description: str
    rouge1: Interval
    rouge2: Interval
    rougeL: Interval
    rouge2_delta: Interval | None
    mean_length: float
    ms_per_story: float
    stories: tuple[StoryResult, ...]

    @property
    def failures(self) -> int:
        """Stories this system rejected as bad input (scored 0)."""
        return sum(1 for story in self.stories if story.error)


@dataclass(frozen=True)
class EvalReport:
    words: int
    story_count: int
    resamples: int
    seed: int
    systems: tuple[SystemResult, ...]

    def system(self, name: str) -> SystemResult:
        for result in self.systems:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_dict(self, per_story: bool = False) -> dict[str, Any]:
        data = asdict(self)
        for system, result in zip(data["systems"], self.systems, strict=True):
            system["failures"] = result.failures
            if not per_story:
                del system["stories"]
        return data


def parse_systems(names: str | Sequence[str]) -> tuple[str, ...]:
    """``"tomtat,lead"`` or ``["tomtat", "lead"]`` → validated names, in the order given, no repeats."""
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen: list[str] = []
    for raw in items:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in SYSTEMS:
            raise InputError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise InputError(f"no systems to evaluate; choose from {', '.join(SYSTEMS)}")
    return tuple(chosen)


def bootstrap_indices(story_count: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``resamples`` × ``story_count`` story indices drawn with replacement (one shared draw per run)."""
    return np.random.default_rng(seed).integers(0, story_count, size=(resamples, story_count))


def interval(values: np.ndarray, indices: np.ndarray) -> Interval:
    """Mean of per-story ``values`` and the 2.5th/97.5th percentiles of its bootstrap distribution."""
    means = values[indices].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(mean=float(values.mean()), low=float(low), high=float(high))


def run_system(name: str, system: System, clusters: Sequence[Cluster], words: int) -> tuple[StoryResult, ...]:
    """Summarize and score every story with one system, timing only the summarizing call.

    A story the system rejects as bad input (:class:`InputError`) scores 0 and keeps the message, so one
    odd story cannot stop a long evaluation; any other exception is a bug and propagates.
    """
    for cluster in clusters[:1]:  # warm-up: model loading, lazy imports
        with contextlib.suppress(InputError):
            system(list(cluster.articles), words, cluster.summary)
    results = []
    for position, cluster in enumerate(clusters):
        articles = list(cluster.articles)
        start = time.perf_counter()
        try:
            summary = system(articles, words, cluster.summary)
            error = ""
        except InputError as failure:
            summary, error = Summary(sentences=(), words=words), str(failure)
        elapsed = (time.perf_counter() - start) * 1000
        scores = score(summary.text, cluster.summary)
        results.append(
            StoryResult(
                story=position,
                line=cluster.line,
                rouge1=scores.rouge1,
                rouge2=scores.rouge2,
                rougeL=scores.rougeL,
                length=summary.length,
                milliseconds=elapsed,
                error=error,
            )
        )
    return tuple(results)


def evaluate(
    clusters: Sequence[Cluster],
    words: int = 200,
    systems: str | Sequence[str] = DEFAULT_SYSTEMS,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    progress: Callable[[str], None] | None = None,
) -> EvalReport:
    """Run ``systems`` on ``clusters`` (stories with reference summaries) and score them.

    >>> from tomtat.corpus import load_clusters
    >>> report = evaluate(load_clusters("validation.jsonl"), words=200, systems="tomtat,lead")
    >>> print(render_text(report))
    """
    budget = check_words(words)
    names = parse_systems(systems)
    if not clusters:
        raise InputError("no stories to evaluate")
    for cluster in clusters:
        if not cluster.summary.strip():
            raise InputError(f"story on line {cluster.line} has no reference summary to score against")
    if resamples < 1:
        raise InputError(f"resamples must be positive, got {resamples}")
    indices = bootstrap_indices(len(clusters), resamples, seed)
    per_system = {}
    for name in names:
        if progress:
            progress(name)
        per_system[name] = run_system(name, SYSTEMS[name], clusters, budget)
    first_r2 = np.array([r.rouge2 for r in per_system[names[0]]])
    results = []
    for name in names:
        stories = per_system[name]
        columns = {metric: np.array([getattr(r, metric) for r in stories]) for metric in METRICS}
        results.append(
            SystemResult(
                name=name,
                description=DESCRIPTIONS[name],
                rouge1=interval(columns["rouge1"], indices),
                rouge2=interval(columns["rouge2"], indices),
                rougeL=interval(columns["rougeL"], indices),
                rouge2_delta=None if name == names[0] else interval(columns["rouge2"] - first_r2, indices),
                mean_length=float(np.mean([r.length for r in stories])),
                ms_per_story=float(np.mean([r.milliseconds for r in stories])),
                stories=stories,
            )
        )
    return EvalReport(
        words=budget, story_count=len(clusters), resamples=resamples, seed=seed, systems=tuple(results)
    )


def _percent(value: Interval) -> str:
    return f"{value.mean * 100:.2f} [{value.low * 100:.2f}, {value.high * 100:.2f}]"


def _delta(value: Interval | None) -> str:
    if value is None:
        return "—"
    return f"{value.mean * 100:+.2f} [{value.low * 100:+.2f}, {value.high * 100:+.2f}]"


def _rows(report: EvalReport) -> list[list[str]]:
    return [
        [
            result.name,
            _percent(result.rouge1),
            _percent(result.rouge2),
            _percent(result.rougeL),
            _delta(result.rouge2_delta),
            f"{result.mean_length:.1f}",
            f"{result.ms_per_story:.1f}",
        ]
        for result in report.systems
    ]


def _headers(report: EvalReport) -> list[str]:
    return [
        "system",
        "ROUGE-1",
        "ROUGE-2",
        "ROUGE-L",
        f"ΔR2 vs {report.systems[0].name}",
        "length",
        "ms/story",
    ]


def caption(report: EvalReport) -> str:
    return (
        f"ROUGE F1 (%) on {report.story_count} stories at {report.words} syllables; "
        f"[95% bootstrap interval, {report.resamples} resamples over stories, seed {report.seed}]; "
        f"length = mean syllables; ms/story = summarizing time after warm-up"
    )


def failure_notes(report: EvalReport) -> list[str]:
    """One line per system that rejected some stories, with the first reason."""
    notes = []
    for result in report.systems:
        if result.failures:
            first = next(story for story in result.stories if story.error)
            notes.append(
                f"note: {result.name} rejected {result.failures} of {report.story_count} stories "
                f"(each scored 0), first on line {first.line}: {first.error}"
            )
    return notes


def render_text(report: EvalReport) -> str:
    """A fixed-width table for terminals."""
    table = [_headers(report), *_rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [caption(report)]
    for number, row in enumerate(table):
        lines.append(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines + failure_notes(report))


def render_markdown(report: EvalReport) -> str:
    """A GitHub-flavoured markdown table, followed by what each system is."""
    headers = _headers(report)
    lines = [
        f"{caption(report)}.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in _rows(report))
    lines.append("")
    lines.extend(f"- **{result.name}**: {result.description}" for result in report.systems)
    lines.extend(f"\n{note}" for note in failure_notes(report))
    return "\n".join(lines)


def render_json(report: EvalReport, per_story: bool = False) -> str:
    return json.dumps(report.to_dict(per_story=per_story), ensure_ascii=False, indent=2)


RENDERERS: dict[str, Callable[[EvalReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
