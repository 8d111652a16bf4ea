"""End-to-end tests of the real ``tomtat`` command (subprocesses), including every bad input."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tomtat.text import count_syllables

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "story"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tomtat", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=300,
    )


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith(
        ("tomtat: error:", "tomtat summarize: error:", "tomtat batch: error:")
    )
    for fragment in fragments:
        assert fragment in result.stderr


def test_train_cv_seed_without_cv_is_a_clean_error_before_any_training(tmp_path):
    result = run("train", "--cv-seed", "7", "-o", str(tmp_path / "model.txt"))
    assert_clean_error(result, "--cv-seed needs --cv")
    assert not (tmp_path / "model.txt").exists()


def test_train_cv_fraction_is_checked_before_any_training(tmp_path):
    result = run("train", "--cv-fraction", "0.5", "-o", str(tmp_path / "model.txt"))
    assert_clean_error(result, "--cv-fraction needs --cv")
    assert not (tmp_path / "model.txt").exists()
    for fraction in ("0", "1.5", "nan"):
        result = run("train", "--cv", "5", "--cv-fraction", fraction)
        assert_clean_error(result, "training fraction must be in (0, 1]")


def test_train_cv_with_fewer_stories_than_folds_says_so(tmp_path):
    # One story and --cv 2: a fold trained on no story and the error blamed empty reference summaries.
    story = json.dumps(json.loads(story_line()) | {"summary": "Cầu mới thông xe."}, ensure_ascii=False)
    result = run("train", "--cv", "2", "--data", str(write_jsonl(tmp_path / "one.jsonl", [story])))
    assert_clean_error(result, "2-fold cross-validation needs at least 2 stories", "got 1")
    assert_clean_error(run("train", "--cv", "2", "--data", str(tmp_path)), "is a directory")


def test_summarize_example_as_text_markdown_and_json():
    text = run("summarize", str(EXAMPLE))
    assert text.returncode == 0, text.stderr
    assert 0 < count_syllables(text.stdout) <= 200

    markdown = run("summarize", str(EXAMPLE), "--format", "markdown", "--words", "80")
    assert markdown.returncode == 0
    assert "[^1]" in markdown.stdout and "[^1]: " in markdown.stdout

    result = run("summarize", *map(str, sorted(EXAMPLE.glob("*.txt"))), "--format", "json", "--words", "80")
    data = json.loads(result.stdout)
    assert data["summary"] and count_syllables(data["summary"]) <= 80
    files = {str(p) for p in EXAMPLE.glob("*.txt")}
    for sentence in data["sentences"]:
        assert sentence["doc"] in files and isinstance(sentence["sentence"], int)
        assert sentence["text"] in Path(sentence["doc"]).read_text()


def test_version_and_help():
    assert run("--version").stdout.startswith("tomtat ")
    assert "summarize" in run("--help").stdout


@pytest.mark.parametrize(("command", "model"), [("train", "ranker.txt"), ("train-stories", "pairs.json")])
def test_training_help_names_the_shipped_model_it_overwrites(command, model):
    # "default: ranker.txt" read as a file in the current directory; a bare `tomtat train` replaces
    # the model inside the package (README: "refit the shipped sentence ranker").
    from tomtat.cli import build_parser

    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    text = " ".join(subparsers.choices[command].format_help().split())
    assert str(ROOT / "src" / "tomtat" / "models" / model) in text.replace("- ", "-")
    assert "abmusu/train.jsonl" in text


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": b"",
        "blank": b"  \n\t\n ",
        "binary": bytes(range(256)) * 4,
        "legacy": b"Vi\xeat Nam \xd2\xde v\xe0 th\xea\xf2 gi\xf3i.",
        "good": "Cầu mới bắc qua sông Lam đã thông xe hôm nay. Cầu dài 1.250 m.".encode(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_bytes(data)
    return paths


def test_missing_path(tmp_path):
    assert_clean_error(run("summarize", str(tmp_path / "nope.txt")), "nope.txt", "no such file")


def test_directory_without_text_files(tmp_path):
    assert_clean_error(run("summarize", str(tmp_path)), "no *.txt files")


@pytest.mark.parametrize("name", ["empty", "blank"])
def test_empty_file_alone_is_an_error(bad_files, name):
    assert_clean_error(run("summarize", str(bad_files[name])), "no article with text")


def test_empty_file_among_others_is_skipped_with_a_warning(bad_files):
    result = run("summarize", str(bad_files["empty"]), str(bad_files["good"]))
    assert result.returncode == 0
    assert "empty.txt: empty file, skipped" in result.stderr
    assert "Cầu mới" in result.stdout


def test_binary_file(bad_files):
    assert_clean_error(
        run("summarize", str(bad_files["binary"]), str(bad_files["good"])), "binary.txt", "binary"
    )


def test_non_utf8_file_names_the_file_and_the_fix(bad_files):
    assert_clean_error(run("summarize", str(bad_files["legacy"])), "legacy.txt", "UTF-8", "iconv")


@pytest.mark.parametrize("words", ["0", "-3", "abc", "1.5"])
def test_bad_word_budgets(bad_files, words):
    assert_clean_error(run("summarize", str(bad_files["good"]), "--words", words), "--words")


def test_one_article_is_summarized(bad_files):
    result = run("summarize", str(bad_files["good"]), "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["sentences"][0]["doc"] == str(bad_files["good"])


def test_nfd_file(tmp_path):
    import unicodedata

    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", "Tiếng Việt được viết ở dạng tổ hợp. Câu thứ hai ở đây."))
    result = run("summarize", str(path))
    assert result.stdout.strip() == "Tiếng Việt được viết ở dạng tổ hợp. Câu thứ hai ở đây."


def test_summarize_reads_an_article_from_a_pipe_or_stdin(bad_files):
    # `tomtat summarize <(curl ...)`, `... | tomtat summarize -`: refused as "not a regular file" and
    # "-: no such file", while ingest, digest and batch read pipes.
    text = bad_files["good"].read_text(encoding="utf-8")
    expected = run("summarize", str(bad_files["good"])).stdout
    for path in ("/dev/stdin", "-"):
        result = run("summarize", path, stdin=text)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected and "Cầu mới" in expected


def test_an_empty_summary_says_why_on_stderr(tmp_path):
    # Exit 0 and a blank line, with nothing to say that the budget or the text's lack of sentences did it.
    path = tmp_path / "a.txt"
    path.write_text("Mưa lớn ở Hà Nội\nNhiều tuyến phố ngập sâu sau cơn mưa\n", encoding="utf-8")
    result = run("summarize", str(path))
    assert result.returncode == 0 and result.stdout.strip() == ""
    assert "tomtat: warning: the summary is empty" in result.stderr and "Traceback" not in result.stderr
    path.write_text("Mưa lớn kéo dài suốt đêm qua khiến nhiều tuyến phố ở Hà Nội ngập sâu.", encoding="utf-8")
    short = run("summarize", str(path), "-w", "5")
    assert "summary is empty: no sentence fits in 5 syllables" in short.stderr
    assert run("summarize", str(path)).stderr == ""


def test_two_hundred_articles_in_a_directory(tmp_path):
    for i in range(200):
        (tmp_path / f"a{i:03}.txt").write_text(
            f"Sự kiện số {i} diễn ra tại địa điểm {i}. Có {i + 3} người tham dự."
        )
    result = run("summarize", str(tmp_path), "--words", "60", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert 0 < count_syllables(json.loads(result.stdout)["summary"]) <= 60


@pytest.mark.slow
def test_ten_megabyte_article_finishes_with_bounded_memory(tmp_path):
    words = "người dân thành phố đã chứng kiến một sự kiện lớn khi nhiều cơ quan cùng tham gia".split()
    rng = random.Random(7)
    sentences, size = [], 0
    while size < 10_000_000:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize() + "."
        sentences.append(sentence + ("\n" if rng.random() < 0.2 else " "))
        size += len(sentence.encode()) + 1
    big = tmp_path / "big.txt"
    big.write_text("".join(sentences))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = run("summarize", str(big), "--words", "100")  # ~10 s
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert result.returncode == 0, result.stderr[-500:]
    assert 0 < count_syllables(result.stdout) <= 100
    if peak_mb > before / 1024:  # only meaningful when this child set the high-water mark
        assert peak_mb < 1500


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def story_line(**fields) -> str:
    document = {
        "title": "Cầu mới",
        "anchor_text": "Cầu mới thông xe hôm nay.",
        "raw_text": "Cầu dài 1.250 m. Vốn 1.800 tỷ đồng.",
    }
    document.update(fields)
    return json.dumps(
        {"single_documents": [document, document | {"raw_text": "Người dân vui mừng khi cầu thông xe."}]},
        ensure_ascii=False,
    )


def test_batch_writes_one_line_per_input_line_in_order_with_error_records(tmp_path):
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            story_line(),
            "{not json",
            json.dumps({"single_documents": []}),
            story_line(title=None, anchor_text=""),
            json.dumps({"single_documents": [{"raw_text": "   "}]}),
            story_line(),
        ],
    )
    output = tmp_path / "out.jsonl"
    result = run("batch", str(source), "-o", str(output), "--words", "30")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(records) == 6
    assert [("error" in r) for r in records] == [False, True, True, False, True, False]
    assert records[1]["error"]["line"] == 2 and "invalid JSON" in records[1]["error"]["message"]
    assert records[0]["summary"] and records[0]["sentences"][0].keys() >= {"text", "doc", "sentence"}
    assert count_syllables(records[3]["summary"]) <= 30
    assert "3 line(s) could not be summarized" in result.stderr
    assert "100%" in result.stderr  # the progress bar


def test_batch_on_missing_input(tmp_path):
    assert_clean_error(
        run("batch", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "o.jsonl")), "none.jsonl"
    )


def test_batch_to_stdout(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [story_line()])
    result = run("batch", str(source), "-o", "-", "--quiet")
    assert json.loads(result.stdout)["summary"]


def test_batch_in_worker_processes_writes_the_same_file(tmp_path):
    lines = [story_line(), "{not json", story_line(title=None, anchor_text="")] * 3
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    alone, together = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run("batch", str(source), "-o", str(alone), "-q").returncode == 0
    result = run("batch", str(source), "-o", str(together), "-q", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert together.read_bytes() == alone.read_bytes()
    assert_clean_error(run("batch", str(source), "-o", str(together), "--workers", "0"), "workers")


def test_batch_refuses_to_write_over_its_own_input(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [story_line()])
    before = source.read_bytes()
    assert_clean_error(run("batch", str(source), "-o", str(source)), "in.jsonl", "input")
    assert source.read_bytes() == before  # opening the output must not have emptied the input


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_a_full_disk_is_a_one_line_error(bad_files, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [story_line()])
    assert_clean_error(run("batch", str(source), "-o", "/dev/full", "-q"), "No space left")
    with open("/dev/full", "w") as full:  # stdout on a full disk
        result = subprocess.run(
            [sys.executable, "-m", "tomtat", "summarize", str(bad_files["good"])],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
        )
    assert_clean_error(result, "No space left")
    assert result.returncode == 2


def test_batch_survives_lone_surrogates_in_text_and_ids(tmp_path):
    # "\ud83d" escapes (half an emoji) are valid JSON; writing them as UTF-8 used to stop the batch.
    broken = json.loads(story_line())
    broken["single_documents"][0]["raw_text"] += " \ud83d"
    broken["single_documents"][0]["id"] = "bài\udc00"
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps(broken), story_line()])
    output = tmp_path / "out.jsonl"
    result = run("batch", str(source), "-o", str(output), "-q")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and all(r.get("summary") for r in records)


def test_batch_and_eval_given_a_directory_say_so(tmp_path):
    # They read one JSONL file; a directory was reported as "no such file", though it exists.
    for command in (["batch", str(tmp_path), "-o", "-"], ["eval", str(tmp_path)]):
        assert_clean_error(run(*command), "is a directory", "JSONL")


def test_an_empty_input_or_output_path_is_called_empty(tmp_path):
    # An unset variable: `-o ""` was ": is a directory", `batch ""` ".: is a directory" (Path("") is ".").
    source = write_jsonl(tmp_path / "in.jsonl", [story_line()])
    for command in (["batch", "", "-o", "-"], ["batch", str(source), "-o", ""], ["eval", ""],
                    ["digest", str(source), "-o", ""], ["stories", "--db", ""]):
        assert_clean_error(run(*command, cwd=tmp_path), "empty")


def test_batch_reads_a_pipe_given_as_a_path(tmp_path):
    # `tomtat batch <(zcat stories.jsonl.gz) -o out.jsonl` names a pipe (/dev/fd/63): it was refused
    # as "no such file", and counting its lines for the progress bar would have read it up.
    lines = [story_line(), "{not json", story_line()]
    expected = run("batch", str(write_jsonl(tmp_path / "in.jsonl", lines)), "-o", "-", "-q").stdout
    result = run("batch", "/dev/stdin", "-o", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected and len(expected.splitlines()) == 3


def stop_batch_midway(tmp_path: Path, workers: str, send: Callable[[int], None]) -> tuple[int, str]:
    """Start a long ``tomtat batch`` in its own process group, ``send`` signals to it once its output
    holds some records, and return its exit status and stderr; the output keeps only whole records."""
    lines = [story_line(raw_text=f"Câu số {n}. " * 40) for n in range(3000)]
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    output = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tomtat", "batch", str(source), "-o", str(output), "-q", "-j", workers],
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while (not output.exists() or output.stat().st_size < 100_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    send(process.pid)
    try:
        stderr = process.communicate(timeout=30)[1]
    finally:
        process.kill()
    records = output.read_text(encoding="utf-8").splitlines()
    assert records and all(json.loads(line)["summary"] for line in records)  # whole records only
    return process.returncode, stderr


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_twice_stops_batch_once_and_keeps_the_lines_written(tmp_path, workers):
    # An impatient second Ctrl-C used to land in the clean-up: killed by SIGINT (exit -2) or a
    # traceback from tqdm, and with worker processes a process that never exited.
    def ctrl_c_twice(group: int) -> None:
        for _ in range(2):  # Ctrl-C reaches every process of the group, twice in quick succession
            os.killpg(group, signal.SIGINT)
            time.sleep(0.02)

    assert stop_batch_midway(tmp_path, workers, ctrl_c_twice) == (130, "tomtat: interrupted\n")


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_stops_batch_like_ctrl_c(tmp_path, workers):
    # `timeout`, `kill` or a service manager: the process died at once, records possibly cut, and with
    # worker processes the resource tracker then warned of 'leaked semaphore objects'.
    code, stderr = stop_batch_midway(tmp_path, workers, lambda pid: os.kill(pid, signal.SIGTERM))
    assert (code, stderr) == (143, "tomtat: terminated\n")


def test_eval_per_story_without_json_and_an_output_named_as_a_missing_directory_are_clean_errors(tmp_path):
    stories = tmp_path / "stories.jsonl"
    stories.write_text('{"single_documents": [{"raw_text": "Hà Nội mưa to."}], "summary": "Mưa."}\n')
    assert_clean_error(run("eval", str(stories), "--per-story"), "--per-story needs --format json")
    result = run("batch", str(stories), "-o", f"{tmp_path}/missing/")
    assert_clean_error(result, "names a directory, which does not exist")
    assert not (tmp_path / "missing").exists()
