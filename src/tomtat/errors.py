"""Errors a user can cause and fix.

Every problem with the *input* (an empty article, undecodable bytes, a budget of zero words) is raised as
:class:`InputError` with a one-line message that names the culprit and, where possible, the fix. The CLI and
the HTTP service turn it into a clean message and a non-zero exit / 4xx response instead of a traceback.
"""

from __future__ import annotations


class TomtatError(Exception):
    """Base class for every error tomtat raises on purpose."""


class InputError(TomtatError, ValueError):
    """The input cannot be summarized as given; the message says why and how to fix it."""
