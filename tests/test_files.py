"""tomtat.files: reading articles from the file system, with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tomtat.errors import InputError
from tomtat.feeds import read_feed
from tomtat.files import read_article, read_articles


def test_an_empty_path_is_refused_not_read_as_the_current_directory(tmp_path, monkeypatch):
    # Path("") is ".": `tomtat ingest "$FEED"` with FEED unset read every *.txt file where it ran.
    (tmp_path / "note.txt").write_text("Một ghi chú riêng, không phải bài báo.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for read in (read_articles, read_feed):
        with pytest.raises(InputError, match="empty path"):
            read([""] if read is read_articles else "")


def test_a_broken_or_looping_symbolic_link_is_called_that(tmp_path):
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    for name in ("loop.txt", "gone.txt"):  # both were "no such file or directory", though ls lists them
        for read in (lambda p: read_articles([p]), read_feed):
            with pytest.raises(InputError, match="broken symbolic link"):
                read(str(tmp_path / name))


def test_reading_stops_past_the_limit_with_a_clear_error(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Hà Nội mưa to. " * 10, encoding="utf-8")
    assert read_article(article, limit=1000).text.startswith("Hà Nội")
    with pytest.raises(InputError, match="larger than"):
        read_article(article, limit=100)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_not_read_into_memory():
    with pytest.raises(InputError, match="/dev/zero: larger than 100 MB"):
        read_articles(["/dev/zero"])
