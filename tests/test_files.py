"""tomtat.files: reading articles from the file system, with errors a user can act on."""

from __future__ import annotations

import pytest

from tomtat.errors import InputError
from tomtat.feeds import read_feed
from tomtat.files import read_articles


def test_an_empty_path_is_refused_not_read_as_the_current_directory(tmp_path, monkeypatch):
    # Path("") is ".": `tomtat ingest "$FEED"` with FEED unset read every *.txt file where it ran.
    (tmp_path / "note.txt").write_text("Một ghi chú riêng, không phải bài báo.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for read in (read_articles, read_feed):
        with pytest.raises(InputError, match="empty path"):
            read([""] if read is read_articles else "")
