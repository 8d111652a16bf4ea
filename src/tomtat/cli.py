"""The ``tomtat`` command line: thin wrappers over the library, with clean errors.

Each command is a pair of functions: ``_add_<command>_parser`` declares its arguments and
``_cmd_<command>`` runs it and returns the exit code. Every error the user can cause is a
:class:`~tomtat.errors.TomtatError` and is printed as one line (``tomtat: error: ...``, exit 2);
a traceback means a bug in tomtat.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tomtat.errors import InputError, TomtatError

if TYPE_CHECKING:
    from tomtat.store import StoryRecord

EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _add_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", "-j", type=_positive_int, default=1, metavar="N",
        help="summarize in N processes (default 1; about N times faster on N free cores, output identical; "
        "no more processes than cores or stories are started)",
    )


def _add_words_option(parser: argparse.ArgumentParser) -> None:
    from tomtat.summarizer import DEFAULT_WORDS

    parser.add_argument(
        "--words",
        "-w",
        type=_positive_int,
        default=DEFAULT_WORDS,
        metavar="N",
        help=f"length budget in syllables; the summary never exceeds it (default {DEFAULT_WORDS})",
    )


def _warn(message: str) -> None:
    print(f"tomtat: warning: {message}", file=sys.stderr)


def _input_path(raw: str) -> str:
    """An input argument as a path to open: '-' is standard input."""
    return "/dev/stdin" if raw == "-" else raw


# --- summarize ---------------------------------------------------------------------------------------


def _add_summarize_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize articles about one story",
        description="Summarize several articles about one story (one article per file; a directory "
        "means every *.txt file in it).",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="article files or directories ('-' for one on stdin)"
    )
    _add_words_option(parser)
    parser.add_argument("--format", "-f", choices=("text", "markdown", "json"), default="text")
    parser.set_defaults(handler=_cmd_summarize)


def _cmd_summarize(args: argparse.Namespace) -> int:
    from tomtat.files import read_articles
    from tomtat.rendering import render
    from tomtat.summarizer import summarize

    articles = read_articles([_input_path(path) for path in args.paths], warn=_warn)
    summary = summarize(articles, words=args.words)
    print(render(summary, args.format))
    if not summary.sentences:  # an empty line on stdout alone reads as a failure without a reason
        _warn(
            f"the summary is empty: no sentence fits in {args.words} syllables, or the text has no "
            "sentences (lines without final punctuation are read as headings or captions)"
        )
    return 0


# --- batch -------------------------------------------------------------------------------------------


def _add_batch_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="summarize one story per line of a JSONL file",
        description='Summarize one story per input line (AbMuSu format: {"single_documents": [{"title", '
        '"anchor_text", "raw_text"}, ...]}) and write one JSON line per input line, in order. A bad '
        "line gets an error record, not a crash.",
    )
    parser.add_argument("input", metavar="IN.jsonl", help="stories, one per line ('-' for stdin)")
    parser.add_argument("-o", "--output", metavar="OUT.jsonl", required=True, help="'-' for stdout")
    _add_words_option(parser)
    _add_workers_option(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_cmd_batch)


def _check_jsonl(path: str) -> None:
    """The one JSONL file (or pipe) a command reads: missing and directory are different mistakes."""
    from tomtat.files import checked_path, is_stream, missing

    source = checked_path(path)  # "" is no file: Path("") is the current directory
    if source.is_dir():
        raise InputError(f"{source}: is a directory; give a JSONL file (one story per line)")
    if not source.is_file() and not is_stream(source):
        raise InputError(f"{source}: not a regular file" if source.exists() else missing(source))


def _check_output(path: str, source: str) -> None:
    """Refuse an output that is the input file (opening it for writing would empty the input before a
    line of it is read) or that cannot be written (digest writes only at the end). Checked before any
    work, so a long run is not lost to it."""
    from tomtat.files import checked_path

    if path == "-":
        return
    output = checked_path(path)  # "" is no file: Path("") is the current directory
    if output.is_dir():
        raise InputError(f"{path}: is a directory; give a file to write")
    if path.endswith(("/", os.sep)):  # Path() drops the slash, and open() then says "Is a directory"
        raise InputError(f"{path}: names a directory, which does not exist; give a file to write")
    if not output.parent.is_dir():
        raise InputError(f"{path}: cannot write (no directory {output.parent})")
    if not os.access(output if output.exists() else output.parent, os.W_OK):
        raise InputError(f"{path}: cannot write (permission denied)")
    if source == "-":
        return
    if output.is_file() and Path(source).is_file() and output.samefile(source):
        raise InputError(f"{path}: is also the input file; write the output to another file")


def _open_output(path: str) -> TextIO:
    if path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot write ({error.strerror})") from None


def _cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from tomtat.corpus import iter_clusters
    from tomtat.files import is_stream
    from tomtat.parallel import summarize_items

    source = Path(_input_path(args.input))
    if args.input != "-":
        _check_jsonl(args.input)
    if args.input == "-" or is_stream(source):  # read once, as it comes: not counted first
        total = None
    else:
        with open(source, "rb") as stream:
            total = sum(1 for line in stream if line.strip())
    _check_output(args.output, args.input)
    output = _open_output(args.output)
    failures = 0
    progress = tqdm(total=total, unit="story", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    try:
        for record in summarize_items(iter_clusters(source), words=args.words, workers=args.workers):
            if "error" in record:
                failures += 1
            output.write(json.dumps(record, ensure_ascii=False) + "\n")
            progress.update()
    finally:  # closed before an error or "interrupted" is printed, so the bar is not drawn after it
        progress.close()
        if output is not sys.stdout:
            output.close()
    if failures:
        _warn(f"{failures} line(s) could not be summarized; see the error records in {args.output}")
    return 0


# --- eval --------------------------------------------------------------------------------------------


def _add_eval_parser(subparsers: argparse._SubParsersAction) -> None:
    from tomtat.eval import DEFAULT_SYSTEMS, RESAMPLES

    parser = subparsers.add_parser(
        "eval",
        help="ROUGE of tomtat and the baselines on stories with reference summaries",
        description="Summarize every story of DATA.jsonl (AbMuSu format, with a reference \"summary\") "
        "with tomtat and the baselines, and print ROUGE-1/2/L F1 with 95% bootstrap intervals and "
        "timings (metric: docs/metric.md).",
    )
    parser.add_argument("data", metavar="DATA.jsonl", help="stories with reference summaries")
    _add_words_option(parser)
    parser.add_argument(
        "--systems",
        "-s",
        default=",".join(DEFAULT_SYSTEMS),
        metavar="LIST",
        help=f"comma-separated systems to run; the first is the one others are compared with "
        f"(default {','.join(DEFAULT_SYSTEMS)})",
    )
    parser.add_argument("--format", "-f", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--per-story", action="store_true", help="with --format json: every story's scores")
    parser.add_argument(
        "--resamples", type=_positive_int, default=RESAMPLES, metavar="N", help="bootstrap resamples"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    parser.set_defaults(handler=_cmd_eval)


def _cmd_eval(args: argparse.Namespace) -> int:
    from tomtat.corpus import load_clusters
    from tomtat.eval import RENDERERS, evaluate, parse_systems, render_json

    if args.per_story and args.format != "json":  # the tables have no place for it: do not drop it silently
        raise InputError("--per-story needs --format json")
    systems = parse_systems(args.systems)
    source = Path(args.data)
    _check_jsonl(args.data)
    clusters = load_clusters(source)

    def progress(name: str) -> None:
        if not args.quiet:
            print(f"tomtat: eval: running {name} on {len(clusters)} stories", file=sys.stderr)

    report = evaluate(
        clusters, words=args.words, systems=systems, resamples=args.resamples, progress=progress
    )
    if args.format == "json":
        print(render_json(report, per_story=args.per_story))
    else:
        print(RENDERERS[args.format](report))
    return 0


# --- train -------------------------------------------------------------------------------------------


def _add_training_files(parser: argparse.ArgumentParser, data: Path, output: Path, model: str) -> None:
    """``--data`` (AbMuSu-format stories, train split by default) and ``--output`` (the shipped model).

    The help names both defaults in full: "default: ranker.txt" read as a file in the current directory,
    while a bare ``tomtat train`` overwrites the model inside the package."""
    def shown(path: Path) -> str:  # argparse %-formats help text
        return os.path.normpath(path).replace("%", "%%")

    parser.add_argument(
        "--data", default=str(data), metavar="DATA.jsonl",
        help=f"training stories (default: AbMuSu train, {shown(data)})",
    )
    parser.add_argument(
        "--output", "-o", default=str(output), metavar=model,
        help=f"default: the shipped model that tomtat loads, {shown(output)}",
    )


def _add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    from tomtat.train import DEFAULT_DATA, DEFAULT_OUTPUT

    parser = subparsers.add_parser(
        "train",
        help="fit the sentence ranker on stories with reference summaries",
        description="Fit the LightGBM sentence ranker (deterministic) on AbMuSu-format stories and write "
        "its text model, which tomtat loads by default (see docs/model.md).",
    )
    _add_training_files(parser, DEFAULT_DATA, DEFAULT_OUTPUT, "MODEL.txt")
    parser.add_argument(
        "--cv", type=_positive_int, default=None, metavar="K", help="only report K-fold cross-validated ROUGE"
    )
    parser.add_argument(
        "--cv-seed",
        type=int,
        default=None,
        metavar="N",
        help="with --cv: shuffle the stories with seed N before dealing them into folds "
        "(default: story i goes to fold i mod K)",
    )
    parser.add_argument(
        "--cv-fraction",
        type=float,
        default=None,
        metavar="F",
        help="with --cv: each fold trains on this share (0 < F <= 1) of its training stories, "
        "one point of a learning curve (default: all; see make bench-learning)",
    )
    parser.set_defaults(handler=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    from tomtat.corpus import load_clusters
    from tomtat.train import VARIANTS, check_fraction, cross_validate, train

    if args.cv:
        fraction = 1.0 if args.cv_fraction is None else check_fraction(args.cv_fraction)
        source = Path(args.data)
        _check_jsonl(args.data)  # a directory is not "no such file"
        if args.cv < 2:
            raise InputError("--cv needs at least 2 folds")
        scores = cross_validate(
            load_clusters(source),
            k=args.cv,
            eval_variants=tuple(VARIANTS),
            seed=args.cv_seed,
            fraction=fraction,
        )
        for name, value in scores.items():
            print(f"{name:22s} R1 {value.rouge1:.4f}  R2 {value.rouge2:.4f}  RL {value.rougeL:.4f}")
        mean = sum(value.rouge2 for value in scores.values()) / len(scores)
        print(f"{'mean of the shapes':22s}            R2 {mean:.4f}")
        return 0
    for flag, value in (("--cv-seed", args.cv_seed), ("--cv-fraction", args.cv_fraction)):
        if value is not None:
            raise InputError(f"{flag} needs --cv")
    print(f"tomtat: wrote {train(args.data, args.output)}", file=sys.stderr)
    return 0


def _add_train_stories_parser(subparsers: argparse._SubParsersAction) -> None:
    from tomtat.pairs import DEFAULT_DATA, DEFAULT_MODEL

    parser = subparsers.add_parser(
        "train-stories",
        help="fit the pair score that re-assigns articles between stories",
        description="Count background document frequencies on AbMuSu-format stories (written as "
        "background.npy next to the model), then fit the story-grouping pair score (logistic regression, "
        "deterministic) by simulating arrivals with them, and write the JSON model the store loads "
        "(see docs/stories.md).",
    )
    _add_training_files(parser, DEFAULT_DATA, DEFAULT_MODEL, "MODEL.json")
    parser.set_defaults(handler=_cmd_train_stories)


def _cmd_train_stories(args: argparse.Namespace) -> int:
    from tomtat.pairs import train

    model, background = train(args.data, args.output)
    print(f"tomtat: wrote {background} and {model}", file=sys.stderr)
    return 0


# --- serve -------------------------------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {value}")
    return value


def _add_serve_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP service and the web page",
        description="Serve the JSON API (docs at /docs) and the web page at / until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="story store, the SQLite file tomtat ingest fills (default tomtat.db; ':memory:' keeps none)",
    )
    parser.add_argument(
        "--workers", "-j", type=_positive_int, default=1, metavar="N",
        help="make summaries (/v1/summarize, /v1/stories) in N processes (default 1: the server's threads)",
    )
    parser.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    try:  # imported here so that `tomtat summarize` does not pay for the web stack
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise TomtatError(
            f"the HTTP service needs the 'serve' extra ({error.name} is missing): pip install 'tomtat[serve]'"
        ) from None
    from tomtat.service import serve

    serve(host=args.host, port=args.port, db=args.db, workers=args.workers)
    return 0


# --- ingest, stories, digest -------------------------------------------------------------------------


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    from tomtat.store import DEFAULT_DB

    parser.add_argument(
        "--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite database file (default ./{DEFAULT_DB})"
    )


def _add_ingest_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="add articles to the story store and group them into stories",
        description='Add articles to the store and assign each to a story. Input: a JSONL file, one '
        'article per line ({"id", "text", "title"?, "source"?, "published"?}), or a directory of *.txt '
        "files (id = file name). Bad lines are reported with their line numbers and skipped.",
    )
    parser.add_argument("input", metavar="ARTICLES.jsonl|DIR", help="'-' for stdin")
    _add_db_option(parser)
    parser.add_argument("--batch-size", type=_positive_int, default=500, metavar="N",
                        help="articles per transaction (default 500)")
    _add_regroup_option(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_cmd_ingest)


def _add_regroup_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-regroup",
        dest="regroup",
        action="store_false",
        help="keep each article in the story it joined on arrival (skip the re-assignment pass after each "
        "batch; faster, lower precision, see docs/stories.md)",
    )


def _feed_progress(args: argparse.Namespace, unit: str) -> tuple[Iterator, Callable[[int], None], Callable]:
    """The feed of ``args.input`` and a tqdm progress bar on stderr counting its lines/files."""
    from tqdm import tqdm

    from tomtat.feeds import read_feed
    from tomtat.files import is_stream

    path = _input_path(args.input)
    feed = read_feed(path)
    source = Path(path)
    total: int | None = None  # a pipe is read once, as it comes: not counted first
    if source.is_dir():
        total = sum(1 for p in source.glob("*.txt") if p.is_file())
    elif not is_stream(source):
        with open(source, "rb") as stream:
            total = sum(1 for line in stream if line.strip())
    # No bar for nothing to read: the error that follows says why.
    bar = tqdm(total=total, unit=unit, disable=args.quiet or total == 0, file=sys.stderr, dynamic_ncols=True)
    return feed, bar.update, bar.close


def _report_skipped(errors: tuple) -> None:
    for error in errors[:50]:
        _warn(f"skipped {error}")
    if len(errors) > 50:
        _warn(f"... and {len(errors) - 50} more skipped input(s)")


def _report_differing(ids: tuple[str, ...]) -> None:
    """Ids sent again with another title or text: the first version stays, so say which were not taken."""
    if ids:
        shown = ", ".join(dict.fromkeys(ids[:10])) + (", ..." if len(ids) > 10 else "")
        _warn(
            f"{len(ids)} article(s) reuse an id already stored with another title or text; the stored "
            f"version was kept (give a changed article a new id): {shown}"
        )


def _cmd_ingest(args: argparse.Namespace) -> int:
    from tomtat.store import Store

    feed, update, close = _feed_progress(args, "article")
    with Store(args.db, regroup=args.regroup) as store:
        try:
            report = store.ingest(feed, batch_size=args.batch_size, progress=update)
        finally:
            close()
        stories = store.count_stories()
    _report_skipped(report.errors)
    _report_differing(report.differing)
    if not report.added and not report.existing:
        raise InputError(f"{args.input}: no usable article ({len(report.errors)} input(s) skipped)")
    print(
        f"{report.added} article(s) added ({report.existing} already stored, {report.copies} copies), "
        f"{report.new_stories} new story(ies), {stories} in {args.db}; {len(report.errors)} skipped"
    )
    return 0


def _add_stories_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stories",
        help="list the stories in the store with their summaries",
        description="List stories (id, size, time span, title, summary), most recently active first. "
        "Summaries are recomputed only for stories that changed.",
    )
    _add_db_option(parser)
    parser.add_argument("--since", metavar="DATE", help="only stories active at or after this ISO date")
    parser.add_argument("--limit", type=_positive_int, metavar="N", help="only the N most recently active")
    parser.add_argument("--format", "-f", choices=("table", "json"), default="table")
    _add_words_option(parser)
    _add_workers_option(parser)
    parser.set_defaults(handler=_cmd_stories)


def _span(story: StoryRecord) -> str:
    first, last = story.first, story.last
    if first is None:
        return "undated"
    start, end = first.date().isoformat(), last.date().isoformat()
    return start if start == end else f"{start} → {end}"


def _cmd_stories(args: argparse.Namespace) -> int:
    from tomtat.store import Store

    if args.db.strip() and not Path(args.db).is_file():  # an empty one is named by Store
        raise InputError(f"{args.db}: no such database; create it with `tomtat ingest FILE --db {args.db}`")
    with Store(args.db) as store:
        stories = store.stories(since=args.since, words=args.words, limit=args.limit, workers=args.workers)
    if args.format == "json":
        print(json.dumps([s.to_dict() for s in stories], ensure_ascii=False, indent=2))
        return 0
    for story in stories:
        print(f"{story.id}\t{story.size} article(s)\t{_span(story)}\t{story.title}")
        print(f"\t{story.summary.text}")
        facts = story.summary.facts.lines(emphasis="") if story.summary.facts else []
        print("".join(f"\t{line}\n" for line in facts))
    if not stories:
        _warn("no stories" + (f" since {args.since}" if args.since else ""))
    return 0


def _add_digest_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="group a file of articles into stories and summarize each (in memory)",
        description='Ingest, group and summarize in one go without a database; writes one JSON line per '
        'story: {"story", "articles", "summary", "sentences", "facts"} (sentences and facts cite article '
        "ids).",
    )
    parser.add_argument("input", metavar="ARTICLES.jsonl|DIR", help="'-' for stdin")
    parser.add_argument("-o", "--output", metavar="STORIES.jsonl", required=True, help="'-' for stdout")
    _add_words_option(parser)
    _add_regroup_option(parser)
    _add_workers_option(parser)
    parser.add_argument(
        "--ranges", type=_positive_days, metavar="DAYS",
        help="group a dated archive by time ranges of DAYS days, in the worker processes too (docs/scale.md)",
    )
    parser.add_argument(
        "--overlap", type=_positive_days, default=None, metavar="DAYS",
        help="with --ranges: days each range reaches into the next (default 7, the grouping's window)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_cmd_digest)


def _positive_days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of days, got {text}")
    return value


DIGEST_KEYS = ("story", "articles", "summary", "sentences", "facts")


def _cmd_digest(args: argparse.Namespace) -> int:
    from tomtat.store import digest

    _check_output(args.output, args.input)
    if args.ranges is None and args.overlap is not None:  # it would be ignored without a word
        raise InputError("--overlap needs --ranges")
    args.overlap = 7.0 if args.overlap is None else args.overlap
    if args.ranges is not None and args.overlap > args.ranges:
        raise InputError(f"--overlap ({args.overlap:g} days) may not exceed --ranges ({args.ranges:g} days)")
    feed, update, close = _feed_progress(args, "article")
    try:
        if args.ranges is None:
            result = digest(
                feed, words=args.words, progress=update, regroup=args.regroup, workers=args.workers
            )
            errors, differing = result.report.errors, result.report.differing
            records = (story.to_dict() for story in result.stories)
            lines = [{key: record[key] for key in DIGEST_KEYS} for record in records]
        else:
            lines, errors, differing = _digest_by_time(args, feed, update)
    finally:
        close()
    _report_skipped(errors)
    _report_differing(differing)
    if not lines:
        raise InputError(f"{args.input}: no usable article ({len(errors)} input(s) skipped)")
    with _replaced_output(args.output) as output:
        for line in lines:
            output.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


def _digest_by_time(
    args: argparse.Namespace, feed: Iterator, update: Callable[[int], object]
) -> tuple[list[dict], tuple, tuple[str, ...]]:
    """``digest --ranges``: the feed read whole, then :func:`tomtat.parallel.digest_by_time`."""
    from tomtat.feeds import FeedError
    from tomtat.parallel import digest_by_time

    articles, errors, differing = [], [], []
    first: dict[str, tuple[str, str]] = {}
    for item in feed:
        update(1)
        if isinstance(item, FeedError):
            errors.append(item)
        elif first.setdefault(item.id, (item.title, item.text)) != (item.title, item.text):
            differing.append(item.id)  # the first version is the one grouped, as in a store
        else:
            articles.append(item)
    lines = digest_by_time(
        articles, args.ranges, args.overlap, words=args.words, workers=args.workers, regroup=args.regroup
    )
    return lines, tuple(errors), tuple(differing)


@contextlib.contextmanager
def _replaced_output(path: str) -> Iterator[TextIO]:
    """An output written whole or not at all: into a temporary file beside ``path``, which replaces it
    only once every line is written. ``digest`` writes its file after minutes of work, and an interrupt
    or a full disk during the write must not leave a half file in place of an earlier good one.
    Standard output, pipes and devices are written directly (they cannot be replaced), and so is a file
    in a directory where no other file can be made; a symbolic link has the file it points to replaced."""
    import tempfile

    target = Path(os.path.realpath(path))
    descriptor = None
    if path != "-" and (target.is_file() or not target.exists()):
        with contextlib.suppress(OSError):  # e.g. a writable file in a directory we may not add to
            descriptor, temporary = tempfile.mkstemp(".tmp", f".{target.name}.", target.parent)
    if descriptor is None:
        output = _open_output(path)
        try:
            yield output
        finally:
            if output is not sys.stdout:
                output.close()
        return
    try:
        with open(descriptor, "w", encoding="utf-8") as output:
            yield output
        umask = os.umask(0)
        os.umask(umask)
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~umask
        os.chmod(temporary, mode)  # mkstemp's file is private (0600); keep the mode a plain open gives
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# --- entry point -------------------------------------------------------------------------------------

PARSERS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    _add_summarize_parser,
    _add_batch_parser,
    _add_eval_parser,
    _add_train_parser,
    _add_train_stories_parser,
    _add_serve_parser,
    _add_ingest_parser,
    _add_stories_parser,
    _add_digest_parser,
)


def build_parser() -> argparse.ArgumentParser:
    from tomtat import __version__

    parser = argparse.ArgumentParser(
        prog="tomtat", description="Offline Vietnamese multi-document news summarization."
    )
    parser.add_argument("--version", action="version", version=f"tomtat {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in PARSERS:
        add_parser(subparsers)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a service manager) stops a command as Ctrl-C does: output closed
    on whole records, worker processes stopped, one message; exit status 143 (128 + 15)."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # `serve` leaves SIGTERM to the web server, which shuts down gracefully on it.
    on_sigterm = args.handler is not _cmd_serve and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_sigterm else None
    try:
        status = args.handler(args)
        sys.stdout.flush()  # a write error on stdout surfaces here, not in the interpreter's exit
        return status
    except TomtatError as error:
        print(f"tomtat: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        for number in (signal.SIGINT, signal.SIGTERM):  # a second one must not break the way out
            signal.signal(number, signal.SIG_IGN)
        terminated = isinstance(interrupt, _Terminated)
        print(f"tomtat: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to report
        return 0
    except OSError as error:  # the system refused a read or write: a full disk, an I/O error
        _discard_stdout()
        where = f"{error.filename}: " if error.filename else ""
        print(f"tomtat: error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if previous is not None and signal.getsignal(signal.SIGTERM) is _terminate:
            signal.signal(signal.SIGTERM, previous)  # main() may be called in-process


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that output still buffered is not written (and fails) again at exit."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: no file descriptor (captured in-process)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
