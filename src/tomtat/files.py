"""Reading articles from the file system, with errors a user can act on.

A missing path, a directory without ``*.txt`` files, binary data or a legacy encoding each stop with a
one-line :class:`InputError` naming the file; an empty file among others is skipped with a warning
rather than failing the whole run, since it carries no text to lose.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from tomtat.errors import InputError
from tomtat.text import decode
from tomtat.types import Article


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, plus every ``*.txt`` in named directories (sorted, so runs are repeatable)."""
    files: list[Path] = []
    for raw in paths:
        path = checked_path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.txt") if p.is_file())
            if not found:
                raise InputError(f"{path}: directory has no *.txt files")
            files.extend(found)
        elif path.is_file() or is_stream(path):  # a pipe: `tomtat summarize <(curl ...)`, /dev/stdin
            files.append(path)
        elif path.exists():
            raise InputError(f"{path}: not a regular file")
        else:
            raise InputError(missing(path))
    return files


def checked_path(raw: str | Path) -> Path:
    """``raw`` as a path, refusing an empty string: ``Path("")`` is the current directory, so an unset
    shell variable (``tomtat ingest "$FEED"``) would read every ``*.txt`` file wherever it ran."""
    if isinstance(raw, str) and not raw.strip():
        raise InputError("empty path given (an unset variable?); name a file or directory")
    return Path(raw)


def missing(path: Path) -> str:
    """Why ``path`` cannot be found: a link to nothing (or to itself) is listed by ``ls``, so it is named."""
    if path.is_symlink():
        return f"{path}: broken symbolic link (its target is missing, or it points to itself)"
    return f"{path}: no such file or directory"


def is_stream(path: Path) -> bool:
    """A pipe or a terminal (``<(zcat feed.jsonl.gz)``, ``/dev/stdin``): it can be read once, as it
    comes, so it is neither counted first nor refused for not being a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


MAX_ARTICLE_BYTES = 100 * 1024 * 1024


def read_article(path: Path, limit: int = MAX_ARTICLE_BYTES) -> Article:
    """One file as an article. Reading stops past ``limit`` bytes: a news article is far smaller (the
    largest in AbMuSu is under 100 KB), and a device such as ``/dev/zero``, which is read like a pipe,
    or a disk image named by mistake would otherwise fill the memory before any error."""
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) > limit:
        raise InputError(f"{path}: larger than {limit // (1024 * 1024)} MB; is it one article?")
    return Article(text=decode(data, str(path)), source=str(path))


def read_articles(paths: Sequence[str | Path], warn: Callable[[str], None] = lambda _: None) -> list[Article]:
    """Articles from files and directories; empty files are skipped with ``warn``."""
    articles = []
    for path in expand_paths(paths):
        article = read_article(path)
        if not article.text.strip():
            warn(f"{path}: empty file, skipped")
            continue
        articles.append(article)
    if not articles:
        raise InputError("no article with text to summarize")
    return articles
