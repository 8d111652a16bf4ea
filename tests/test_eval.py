"""Evaluation: report structure, bootstrap intervals, renderers and the `tomtat eval` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tomtat import InputError
from tomtat import eval as evaluation
from tomtat.corpus import Cluster
from tomtat.rouge import score
from tomtat.types import Article

VALIDATION = Path(__file__).resolve().parents[1] / "../shared/data/abmusu/validation.jsonl"


def make_cluster(topic: str, line: int) -> Cluster:
    articles = (
        Article(
            text=f"Tin chính về {topic} hôm nay được nhiều báo đưa. Chi tiết thứ hai về {topic} ở đây.\n"
            "Thời tiết ngày mai có mưa rải rác ở vài nơi.",
            source="a",
        ),
        Article(
            text=f"Nhiều người quan tâm tới {topic} trong tuần này. Tin chính về {topic} lan rộng.",
            source="b",
        ),
    )
    reference = f"Tin chính về {topic} hôm nay được nhiều báo đưa. Nhiều người quan tâm tới {topic}."
    return Cluster(articles=articles, summary=reference, line=line)


CLUSTERS = [make_cluster(topic, i + 1) for i, topic in enumerate(["bão lũ", "giá xăng", "bóng đá", "thi cử"])]


def test_report_structure_and_consistency() -> None:
    report = evaluation.evaluate(CLUSTERS, words=20, systems="lead,oracle,centroid", resamples=200)
    assert [s.name for s in report.systems] == ["lead", "oracle", "centroid"]
    assert (report.words, report.story_count, report.resamples) == (20, 4, 200)
    lead, oracle, _ = report.systems
    assert lead.rouge2_delta is None
    assert oracle.rouge2_delta is not None
    assert oracle.rouge2_delta.mean == pytest.approx(oracle.rouge2.mean - lead.rouge2.mean)
    for system in report.systems:
        assert [r.story for r in system.stories] == [0, 1, 2, 3]
        assert [r.line for r in system.stories] == [1, 2, 3, 4]
        for metric in evaluation.METRICS:
            value = getattr(system, metric)
            assert 0.0 <= value.low <= value.mean <= value.high <= 1.0
            assert value.mean == pytest.approx(np.mean([getattr(r, metric) for r in system.stories]))
        assert all(0 < r.length <= 20 and r.milliseconds >= 0 for r in system.stories)
        assert system.ms_per_story == pytest.approx(np.mean([r.milliseconds for r in system.stories]))
    assert report.system("oracle") is oracle
    with pytest.raises(KeyError):
        report.system("nope")


def test_story_scores_are_the_metric_of_the_systems_summary() -> None:
    from tomtat.baselines import lead

    report = evaluation.evaluate(CLUSTERS[:2], words=15, systems="lead", resamples=10)
    for cluster, result in zip(CLUSTERS[:2], report.systems[0].stories, strict=True):
        expected = score(lead(list(cluster.articles), 15).text, cluster.summary)
        assert (result.rouge1, result.rouge2, result.rougeL) == (
            expected.rouge1,
            expected.rouge2,
            expected.rougeL,
        )


def test_bootstrap_is_seeded_and_percentile_based() -> None:
    values = np.array([0.0, 1.0] * 10)
    indices = evaluation.bootstrap_indices(len(values), resamples=500, seed=3)
    assert np.array_equal(indices, evaluation.bootstrap_indices(len(values), resamples=500, seed=3))
    result = evaluation.interval(values, indices)
    assert result.mean == 0.5
    assert 0.25 < result.low < 0.5 < result.high < 0.75
    constant = evaluation.interval(np.full(20, 0.3), indices)
    assert constant.low == pytest.approx(0.3) and constant.high == pytest.approx(0.3)


def test_same_seed_gives_the_same_intervals() -> None:
    first = evaluation.evaluate(CLUSTERS, words=20, systems="lead", resamples=100, seed=5)
    second = evaluation.evaluate(CLUSTERS, words=20, systems="lead", resamples=100, seed=5)
    assert first.systems[0].rouge2 == second.systems[0].rouge2


def test_parse_systems() -> None:
    assert evaluation.parse_systems("Lead, oracle,lead") == ("lead", "oracle")
    assert evaluation.parse_systems(["tomtat"]) == ("tomtat",)
    with pytest.raises(InputError, match="unknown system 'bleu'"):
        evaluation.parse_systems("lead,bleu")
    with pytest.raises(InputError):
        evaluation.parse_systems(" , ")


def test_bad_evaluations_are_input_errors() -> None:
    with pytest.raises(InputError):
        evaluation.evaluate([], systems="lead")
    without_reference = Cluster(articles=CLUSTERS[0].articles, summary=" ", line=7)
    with pytest.raises(InputError, match="line 7"):
        evaluation.evaluate([without_reference], systems="lead")
    with pytest.raises(InputError):
        evaluation.evaluate(CLUSTERS, words=0, systems="lead")


def test_renderers_show_every_system_and_number() -> None:
    report = evaluation.evaluate(CLUSTERS, words=20, systems="lead,oracle", resamples=50)
    text = evaluation.render_text(report)
    markdown = evaluation.render_markdown(report)
    oracle_r2 = f"{report.system('oracle').rouge2.mean * 100:.2f}"
    for rendered in (text, markdown):
        assert "lead" in rendered and "oracle" in rendered and oracle_r2 in rendered
        assert "ΔR2 vs lead" in rendered
    assert len(text.splitlines()) == 1 + 2 + 2  # caption, header, rule, two systems
    assert markdown.count("\n| ") == 3  # header and two systems
    data = json.loads(evaluation.render_json(report))
    assert [s["name"] for s in data["systems"]] == ["lead", "oracle"]
    assert "stories" not in data["systems"][0]
    detailed = json.loads(evaluation.render_json(report, per_story=True))
    assert len(detailed["systems"][1]["stories"]) == 4


def write_jsonl(path: Path, clusters: list[Cluster]) -> None:
    lines = []
    for cluster in clusters:
        documents = [{"title": a.title, "anchor_text": a.lead, "raw_text": a.text} for a in cluster.articles]
        lines.append(
            json.dumps({"single_documents": documents, "summary": cluster.summary}, ensure_ascii=False)
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tomtat", "eval", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_cli_eval_json_and_errors(tmp_path: Path) -> None:
    data = tmp_path / "stories.jsonl"
    write_jsonl(data, CLUSTERS)
    result = run_cli(str(data), "--words", "20", "--systems", "lead,centroid", "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["name"] for s in report["systems"]] == ["lead", "centroid"]
    assert report["words"] == 20 and report["story_count"] == 4

    markdown = run_cli(str(data), "--systems", "oracle", "--format", "markdown", "--resamples", "20", "-q")
    assert markdown.returncode == 0, markdown.stderr
    assert "| oracle |" in markdown.stdout

    for args in ([str(tmp_path / "missing.jsonl")], [str(data), "--systems", "bleu"], [str(data), "-w", "0"]):
        failed = run_cli(*args)
        assert failed.returncode == 2
        assert "Traceback" not in failed.stderr
        assert "error:" in failed.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_all_systems_on_a_few_real_stories() -> None:
    if not VALIDATION.is_file():
        pytest.skip(f"AbMuSu validation data not found at {VALIDATION}")
    from tomtat.corpus import load_clusters

    clusters = load_clusters(VALIDATION)[:4]
    report = evaluation.evaluate(clusters, words=200, resamples=100)
    assert [s.name for s in report.systems] == list(evaluation.DEFAULT_SYSTEMS)
    for system in report.systems:
        assert len(system.stories) == 4
        assert all(0 < r.length <= 200 for r in system.stories)
        assert 0.0 < system.rouge1.mean <= 1.0
    assert all(name in evaluation.render_text(report) for name in evaluation.DEFAULT_SYSTEMS)


def test_a_story_a_system_rejects_scores_zero_and_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    lead = evaluation.SYSTEMS["lead"]

    def picky(articles, words, reference):
        if "bóng đá" in reference:
            raise InputError("no usable sentence")
        return lead(articles, words, reference)

    monkeypatch.setitem(evaluation.SYSTEMS, "lead", picky)
    report = evaluation.evaluate(CLUSTERS, words=20, systems="lead", resamples=20)
    result = report.system("lead")
    assert result.failures == 1
    failed = result.stories[2]
    assert (failed.error, failed.rouge1, failed.length) == ("no usable sentence", 0.0, 0)
    assert result.stories[0].rouge1 > 0
    assert "rejected 1 of 4 stories" in evaluation.render_text(report)
    assert report.to_dict()["systems"][0]["failures"] == 1
