"""End-to-end tests of ``tomtat ingest / stories / digest`` as real subprocesses.

Includes the reliability contract: SIGKILL in the middle of an ingest loses no committed batch and leaves
a database that passes ``PRAGMA integrity_check``; two processes ingesting at once do not corrupt it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_clustering import STORIES, make_article

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "import sys; from tomtat.cli import main; sys.exit(main())"]


def tomtat(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def write_feed(path: Path, count: int, prefix: str = "a", day: int = 1) -> list[str]:
    """``count`` articles over the four test stories, published on a few days around ``day``."""
    ids = []
    letters = sorted(STORIES)
    with open(path, "w", encoding="utf-8") as out:
        for number in range(count):
            story = letters[number % len(letters)]
            title, text = make_article(story, number // len(letters))
            text = f"{text}\nBài số {prefix}{number}."
            published = f"2023-09-{day:02d}"
            record = {"id": f"{prefix}{number}", "title": title, "text": text, "published": published}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            ids.append(record["id"])
    return ids


def stored_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM articles ORDER BY seq")]


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_ingest_then_stories_table_and_json(tmp_path):
    write_feed(tmp_path / "feed.jsonl", 12)
    done = tomtat("ingest", "feed.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "12 article(s) added" in done.stdout
    assert (tmp_path / "tomtat.db").is_file()  # the default database in the working directory
    listed = tomtat("stories", "--format", "json", "--words", "60", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    stories = json.loads(listed.stdout)
    assert sum(s["size"] for s in stories) == 12
    assert all(s["summary"] and s["first"].startswith("2023-09-01") for s in stories)
    assert any(s["facts"]["numbers"] for s in stories)
    table = tomtat("stories", "--since", "2023-08-30", cwd=tmp_path)
    assert table.returncode == 0 and stories[0]["story"] in table.stdout
    assert "Con số:" in table.stdout  # the facts under each summary
    newest = tomtat("stories", "--limit", "1", "--format", "json", cwd=tmp_path)
    assert [s["story"] for s in json.loads(newest.stdout)] == [stories[0]["story"]]
    later = tomtat("stories", "--since", "2023-10-01", "--format", "json", cwd=tmp_path)
    assert json.loads(later.stdout) == []


def test_bad_lines_are_reported_with_line_numbers_and_skipped(tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, 3)
    with open(feed, "a", encoding="utf-8") as out:
        out.write("{not json\n")
        out.write('{"id": "n1"}\n')
        out.write('{"id": "n2", "text": "  "}\n')
        out.write('{"id": "n3", "text": "Có chữ.", "tags": []}\n')
        out.write('{"id": "n4", "text": "Có chữ.", "published": "hôm qua"}\n')
    done = tomtat("ingest", str(feed), "--db", "x.db", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 article(s) added" in done.stdout
    for line in (4, 5, 6, 7, 8):
        assert f"feed.jsonl:{line}:" in done.stderr
    assert "Traceback" not in done.stderr
    assert stored_ids(tmp_path / "x.db") == ["a0", "a1", "a2"]


def test_unusable_input_exits_non_zero_with_one_line(tmp_path):
    (tmp_path / "junk.jsonl").write_text("nope\n", encoding="utf-8")
    for args in (["ingest", "missing.jsonl"], ["ingest", "junk.jsonl"], ["digest", "junk.jsonl", "-o", "-"],
                 ["stories", "--db", "missing.db"]):
        done = tomtat(*args, "-q", cwd=tmp_path) if args[0] != "stories" else tomtat(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.strip().splitlines()[-1].startswith("tomtat: error:")
        assert "Traceback" not in done.stderr


def test_digest_overlap_without_ranges_is_refused_not_ignored(tmp_path):
    write_feed(tmp_path / "feed.jsonl", 4)
    done = tomtat("digest", "feed.jsonl", "-o", "out.jsonl", "--overlap", "3", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == "tomtat: error: --overlap needs --ranges"
    assert not (tmp_path / "out.jsonl").exists()


def test_digest_writes_one_line_per_story(tmp_path):
    ids = write_feed(tmp_path / "feed.jsonl", 8)
    done = tomtat("digest", "feed.jsonl", "-o", "out.jsonl", "-q", "--words", "50", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(i for line in lines for i in line["articles"]) == sorted(ids)
    for line in lines:
        assert set(line) == {"story", "articles", "summary", "sentences", "facts"}
        assert all(s["doc"] in line["articles"] for s in line["sentences"])
    assert not list(tmp_path.glob("*.db"))  # in memory only


def test_digest_and_stories_in_worker_processes_give_the_same_output(tmp_path):
    write_feed(tmp_path / "feed.jsonl", 12)
    alone = tomtat("digest", "feed.jsonl", "-o", "one.jsonl", "-q", cwd=tmp_path)
    together = tomtat("digest", "feed.jsonl", "-o", "two.jsonl", "-q", "--workers", "2", cwd=tmp_path)
    assert alone.returncode == together.returncode == 0, together.stderr
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert tomtat("ingest", "feed.jsonl", "--db", "s.db", "-q", cwd=tmp_path).returncode == 0
    listed = tomtat("stories", "--db", "s.db", "-f", "json", "--workers", "2", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    stories = json.loads(listed.stdout)
    expected = [json.loads(line)["summary"] for line in (tmp_path / "one.jsonl").read_text().splitlines()]
    assert sorted(story["summary"] for story in stories) == sorted(expected)


def test_no_regroup_keeps_arrival_decisions(tmp_path):
    from tomtat.cli import build_parser
    from tomtat.store import digest

    for command in (["ingest", "feed.jsonl"], ["digest", "feed.jsonl", "-o", "-"]):
        assert build_parser().parse_args(command).regroup is True
        assert build_parser().parse_args([*command, "--no-regroup"]).regroup is False
    ids = write_feed(tmp_path / "feed.jsonl", 8)
    done = tomtat("digest", "feed.jsonl", "-o", "out.jsonl", "-q", "--no-regroup", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    feed = (tmp_path / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    expected = digest([json.loads(line) for line in feed], regroup=False).stories
    assert [line["articles"] for line in lines] == [list(story.article_ids) for story in expected]
    assert sorted(i for line in lines for i in line["articles"]) == sorted(ids)
    done = tomtat("ingest", "feed.jsonl", "-q", "--no-regroup", cwd=tmp_path)
    assert done.returncode == 0 and "8 article(s) added" in done.stdout, done.stderr


def test_sigkill_mid_ingest_keeps_committed_batches_and_a_sound_database(tmp_path):
    ids = write_feed(tmp_path / "feed.jsonl", 3000)
    db = tmp_path / "k.db"
    process = subprocess.Popen(
        [*CLI, "ingest", "feed.jsonl", "--db", str(db), "--batch-size", "50", "-q"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                committed = len(stored_ids(db))
            except sqlite3.OperationalError:
                committed = 0
        if committed >= 100:
            break
        time.sleep(0.05)
    assert process.poll() is None, "ingest finished before it could be killed; make the feed longer"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert integrity(db) == "ok"
    survived = stored_ids(db)
    assert len(survived) >= committed  # nothing that was committed is lost
    assert len(survived) % 50 == 0  # batches are all-or-nothing
    assert survived == ids[: len(survived)]
    resumed = tomtat("ingest", "feed.jsonl", "--db", str(db), "-q", cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(survived)} already stored" in resumed.stdout
    assert sorted(stored_ids(db)) == sorted(ids)
    assert integrity(db) == "ok"


def test_two_concurrent_writers_do_not_corrupt_the_database(tmp_path):
    first = write_feed(tmp_path / "one.jsonl", 600, prefix="p")
    second = write_feed(tmp_path / "two.jsonl", 600, prefix="q")
    db = tmp_path / "c.db"
    processes = [
        subprocess.Popen(
            [*CLI, "ingest", name, "--db", str(db), "--batch-size", "25", "-q"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one.jsonl", "two.jsonl")
    ]
    outcomes = [process.communicate(timeout=300) for process in processes]
    codes = [process.returncode for process in processes]
    for code, (_, stderr) in zip(codes, outcomes, strict=True):
        assert code == 0 or (code == 2 and "another process" in stderr), stderr
    assert 0 in codes
    assert integrity(db) == "ok"
    expected = set()
    for code, ids in zip(codes, (first, second), strict=True):
        if code == 0:
            expected |= set(ids)
    stored = set(stored_ids(db))
    assert expected <= stored <= set(first) | set(second)
    with sqlite3.connect(db) as connection:  # every article's story exists and sizes add up
        orphans = connection.execute(
            "SELECT COUNT(*) FROM articles WHERE story NOT IN (SELECT id FROM stories)"
        ).fetchone()[0]
        total = connection.execute("SELECT SUM(size) FROM stories").fetchone()[0]
    assert orphans == 0 and total == len(stored)


def test_digest_refuses_to_write_over_its_own_input(tmp_path):
    write_feed(tmp_path / "feed.jsonl", 4)
    before = (tmp_path / "feed.jsonl").read_bytes()
    done = tomtat("digest", "feed.jsonl", "-o", "./feed.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith("tomtat: error:")
    assert "input" in done.stderr
    assert (tmp_path / "feed.jsonl").read_bytes() == before


def test_ingest_and_digest_read_a_pipe_given_as_a_path(tmp_path):
    # `tomtat digest <(zcat feed.jsonl.gz) -o out` names a pipe: it was "not a regular file or directory".
    write_feed(tmp_path / "feed.jsonl", 8)
    feed = (tmp_path / "feed.jsonl").read_text(encoding="utf-8")
    expected = tomtat("digest", "feed.jsonl", "-o", "-", "-q", cwd=tmp_path).stdout

    def piped(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*CLI, *args], cwd=tmp_path, input=feed, capture_output=True, text=True, timeout=120
        )

    result = piped("digest", "/dev/stdin", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    result = piped("ingest", "/dev/stdin", "--db", "s.db")
    assert result.returncode == 0, result.stderr
    assert len(stored_ids(tmp_path / "s.db")) == 8


def test_ingest_and_digest_read_stdin_given_as_a_dash(tmp_path):
    # `... | tomtat digest - -o -`, as `tomtat batch -` reads: it was "-: no such file or directory".
    write_feed(tmp_path / "feed.jsonl", 8)
    feed = (tmp_path / "feed.jsonl").read_text(encoding="utf-8")
    expected = tomtat("digest", "feed.jsonl", "-o", "-", "-q", cwd=tmp_path).stdout
    outputs = []
    for args in (["digest", "-", "-o", "-"], ["ingest", "-", "--db", "s.db"]):
        result = subprocess.run(
            [*CLI, *args], cwd=tmp_path, input=feed, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == expected and outputs[1].startswith("8 article(s) added")


@pytest.mark.parametrize("output", ["missing/stories.jsonl", "."])
def test_digest_refuses_an_output_it_cannot_write_before_grouping_anything(tmp_path, output):
    # digest writes its output at the end: a bad -o used to fail only after all the grouping and summaries.
    write_feed(tmp_path / "feed.jsonl", 8)
    done = tomtat("digest", "feed.jsonl", "-o", output, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith("tomtat: error:")
    assert "article" not in done.stderr  # no progress bar: refused before reading the feed


def test_digest_replaces_its_output_whole_or_not_at_all(tmp_path, monkeypatch, capsys):
    # digest writes after minutes of work: a full disk (or Ctrl-C) while writing must leave the earlier
    # file as it was, not half a new one.
    from tomtat.cli import main
    from tomtat.store import StoryRecord

    write_feed(tmp_path / "feed.jsonl", 8)
    output = tmp_path / "out.jsonl"
    output.write_text("an earlier run\n", encoding="utf-8")
    output.chmod(0o640)
    real = StoryRecord.to_dict
    written = []

    def disk_full_at_the_second_story(self: StoryRecord) -> dict:
        if written:
            raise OSError(28, "No space left on device")
        written.append(self)
        return real(self)

    monkeypatch.setattr(StoryRecord, "to_dict", disk_full_at_the_second_story)
    assert main(["digest", str(tmp_path / "feed.jsonl"), "-o", str(output), "-q"]) == 2
    assert "No space left" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == "an earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.jsonl", "out.jsonl"]  # no temporary left

    monkeypatch.setattr(StoryRecord, "to_dict", real)
    assert main(["digest", str(tmp_path / "feed.jsonl"), "-o", str(output), "-q"]) == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 2 and all(json.loads(line)["articles"] for line in lines)
    assert output.stat().st_mode & 0o777 == 0o640  # the file's mode is kept
    link = tmp_path / "link.jsonl"
    link.symlink_to(output)
    output.write_text("before\n", encoding="utf-8")
    assert main(["digest", str(tmp_path / "feed.jsonl"), "-o", str(link), "-q"]) == 0
    assert link.is_symlink() and output.read_text(encoding="utf-8").splitlines() == lines


def test_ingest_warns_about_an_id_sent_again_with_another_text(tmp_path):
    ids = write_feed(tmp_path / "feed.jsonl", 4)
    assert tomtat("ingest", "feed.jsonl", "-q", cwd=tmp_path).returncode == 0
    lines = (tmp_path / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["text"] += " Bài đã được cập nhật."
    (tmp_path / "again.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    done = tomtat("ingest", "again.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if line.startswith("tomtat: warning:")]
    assert len(warning) == 1 and warning[0].endswith(ids[0]) and "stored version was kept" in warning[0]
    assert "0 article(s) added (4 already stored" in done.stdout


def test_digest_by_time_ranges_groups_as_one_store_does(tmp_path):
    write_feed(tmp_path / "early.jsonl", 12, prefix="a", day=1)
    write_feed(tmp_path / "late.jsonl", 12, prefix="b", day=20)
    feed = (tmp_path / "early.jsonl").read_text(encoding="utf-8") + (tmp_path / "late.jsonl").read_text(
        encoding="utf-8"
    )
    (tmp_path / "feed.jsonl").write_text(feed, encoding="utf-8")
    plain = tomtat("digest", "feed.jsonl", "-o", "plain.jsonl", "-q", cwd=tmp_path)
    ranged = tomtat("digest", "feed.jsonl", "-o", "ranged.jsonl", "-q", "--ranges", "10", cwd=tmp_path)
    two = tomtat("digest", "feed.jsonl", "-o", "two.jsonl", "-q", "--ranges", "10", "-j", "2", cwd=tmp_path)
    assert plain.returncode == ranged.returncode == two.returncode == 0, ranged.stderr + two.stderr
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "ranged.jsonl").read_bytes()

    def groups(name: str) -> set[frozenset[str]]:
        lines = [json.loads(line) for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()]
        for line in lines:
            assert set(line) == {"story", "articles", "summary", "sentences", "facts"}
            assert line["sentences"] and all(s["doc"] in line["articles"] for s in line["sentences"])
        return {frozenset(line["articles"]) for line in lines}

    assert groups("ranged.jsonl") == groups("plain.jsonl")
    ranged_lines = (tmp_path / "ranged.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["articles"][0].startswith("b") for line in ranged_lines[:2])  # latest first
    bad = tomtat("digest", "feed.jsonl", "-o", "x.jsonl", "--ranges", "5", "--overlap", "6", cwd=tmp_path)
    assert bad.returncode == 2 and "may not exceed" in bad.stderr
