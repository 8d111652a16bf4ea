"""Text at the edge: bytes → clean Unicode, and the one tokenizer every stage shares.

Vietnamese text arrives as NFD from some editors and Macs, with old- or new-style tone placement
("hoà" / "hòa"), with HTML left over from scraping, or as bytes in a legacy encoding. Everything is
NFC-normalized here, once, so later stages can compare strings directly. Output text keeps the source's
own spelling (references are built from source sentences); only the *matching* tokens fold tone
placement so that "hoà" and "hòa" count as the same syllable.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from tomtat.errors import InputError

_WORD = re.compile(r"\w+")
# Control and invisible format characters: soft hyphens (&shy;), zero-width and bidirectional marks
# (&lrm;, &rlm;, embeddings, isolates), word joiners. Inside a word they would cut it into two tokens.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Lone UTF-16 halves: JSON "\ud83d" escapes (an emoji cut in two) decode to them, and no UTF-8 output
# can encode them. A whole pair is already one character in a Python string, so only halves match.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The line boundaries of str.splitlines: CRLF and CR; vertical tab (a soft line break from Word and
# PowerPoint), form feed (a page break from pdftotext), file/group/record separators, NEL; U+2028/9.
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ATTRIBUTES = r"""(?:[^<>"']|"[^"<]*"|'[^'<]*')*"""  # a quoted value may hold '>' (title="a>b")
_HTML_TAG = re.compile(rf"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s{_ATTRIBUTES})?/?\s*>")
# <script ...>…</script>, <style>, <noscript>: the start of the opening tag, and each kind's closing tag.
_HTML_BLOCK_KINDS = ("script", "style", "noscript")
_HTML_BLOCK_START = re.compile(r"<\s*(?:(script)|(style)|(noscript))\b", re.IGNORECASE)
_HTML_BLOCK_END = tuple(re.compile(rf"<\s*/\s*{kind}\s*>", re.IGNORECASE) for kind in _HTML_BLOCK_KINDS)
_HTML_BREAK = re.compile(rf"<\s*(br|/p|/div|/h[1-6]|/li|/tr|p|div|h[1-6]|li)\b{_ATTRIBUTES}>", re.IGNORECASE)
# <!DOCTYPE ...>, <?xml ...?> and the CDATA wrapper of RSS descriptions (its content is kept).
_HTML_DECLARATION = re.compile(r"<!\[CDATA\[|\]\]>|<![a-zA-Z][^<>]*>|<\?[a-zA-Z][^<>]*\?>")
_HTML_MARKUP = re.compile(rf"{_HTML_TAG.pattern}|<!--|{_HTML_DECLARATION.pattern}")

# Old-style ("hòa", tone on the first vowel) → new-style ("hoà") for open syllables only; a final
# consonant ("hoàn") leaves no choice, so only word-final pairs are folded.
_TONE_FOLD = {
    f"{first}{vowel}": f"{plain}{toned}"
    for plain, rows in (
        ("o", {"a": "àáảãạ", "e": "èéẻẽẹ"}),
        ("u", {"y": "ỳýỷỹỵ"}),
    )
    for vowel, toned_vowels in rows.items()
    for first, toned in zip({"o": "òóỏõọ", "u": "ùúủũụ"}[plain], toned_vowels, strict=True)
}
_TONE_FOLD_RE = re.compile(r"(?<![qQ])(" + "|".join(_TONE_FOLD) + r")\b")


def normalize(text: str) -> str:
    """Return ``text`` as clean NFC Unicode with HTML junk removed and whitespace tidied.

    Paragraph breaks (newlines) are kept because they carry structure: headings, bylines and captions are
    lines of their own.
    """
    text = unicodedata.normalize("NFC", text)
    if "<" in text and _HTML_MARKUP.search(text):
        text = strip_html(text)
    elif "&" in text:
        text = html.unescape(text)
    if "<" in text and _HTML_MARKUP.search(text):  # HTML a feed escaped once more: "&lt;p&gt;" gave tags
        text = strip_html(text)
    text = _LINE_BREAK.sub("\n", text)
    text = LONE_SURROGATE.sub("", _CONTROL.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip()


def strip_html(text: str) -> str:
    """Remove tags, scripts and comments from scraped HTML, keeping block boundaries as newlines."""
    text = _without_comments(text)
    text = _without_blocks(text)
    text = _HTML_DECLARATION.sub(" ", text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub(" ", text)
    return unicodedata.normalize("NFC", html.unescape(text))


# Comments and script blocks are found with str.find rather than a regex such as <!--.*?-->, which scans to
# the end of the text from every opener that has no closer: 200 KB of "<!--x" took 90 s, in one call that
# holds the GIL. Here an opener without a closer means no later opener of its kind has one either.


def _without_comments(text: str) -> str:
    """``text`` with each ``<!-- … -->`` replaced by a space (an unclosed ``<!--`` is left)."""
    parts = []
    done = 0
    while (start := text.find("<!--", done)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        parts += (text[done:start], " ")
        done = end + 3
    parts.append(text[done:])
    return "".join(parts)


def _without_blocks(text: str) -> str:
    """``text`` with each script, style and noscript element replaced by a space, content included."""
    parts = []
    done = 0
    unclosed: set[int] = set()  # kinds with no closing tag after an opening one: none later either
    search = 0
    while (start := _HTML_BLOCK_START.search(text, search)) is not None:
        search = start.start() + 1
        kind = start.lastindex or 0
        if kind in unclosed:
            continue
        opened = text.find(">", start.end())
        if opened < 0:  # no opening tag can end
            break
        end = _HTML_BLOCK_END[kind - 1].search(text, opened + 1)
        if end is None:
            unclosed.add(kind)
            continue
        parts += (text[done : start.start()], " ")
        done = search = end.end()
    parts.append(text[done:])
    return "".join(parts)


def decode(data: bytes, name: str = "input") -> str:
    """Decode file bytes as UTF-8 (with or without BOM, or UTF-16 with BOM), refusing binary data.

    Raises :class:`InputError` naming ``name`` and suggesting a fix, because a silent replacement of bad
    bytes would put mojibake into a summary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(f"{name}: not valid UTF-16 text ({error.reason})") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like binary data, not text; give tomtat plain-text articles")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{name}: not valid UTF-8 (bad byte at offset {error.start}); convert it first, "
            f"e.g. `iconv -f WINDOWS-1258 -t UTF-8 {name}`"
        ) from None


def jsonl_line(raw: bytes | str) -> str:
    """One line of a JSONL file as text (``UnicodeDecodeError`` if its bytes are not UTF-8). A BOM starts
    any line of files joined by `cat`, not only the first, so it is read past on every line; the line end
    is dropped so that a line cut short is reported at its last column, not "column 1" of a line after."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return text.removeprefix("\ufeff").rstrip("\r\n")


def tokens(text: str) -> list[str]:
    """Lowercased syllables and numbers: exactly the tokens of the ROUGE metric."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def match_tokens(text: str) -> list[str]:
    """Tokens for *matching* (features, redundancy, clustering): like :func:`tokens`, tone-folded."""
    lowered = text.lower()
    if _TONE_FOLD_RE.search(lowered):
        lowered = _TONE_FOLD_RE.sub(lambda m: _TONE_FOLD[m.group(1)], lowered)
    return _WORD.findall(lowered)


def count_syllables(text: str) -> int:
    """Length as the budget counts it: the number of metric tokens (NFC and lowercasing included: "İ"
    lowercases to "i" and a combining dot, which splits the word)."""
    return len(tokens(text))


def ngrams(items: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return zip(*(items[i:] for i in range(n)), strict=False)
