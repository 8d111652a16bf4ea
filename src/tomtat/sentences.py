"""Articles → sentences, with the noise of real news pages marked so it is never selected.

Splitting is rule-based on purpose: it is deterministic, fast (no model to load) and its failure cases
are readable. A sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus any closing quotes or brackets) when
the next character starts a new sentence, except

* inside a balanced quotation (“…”, ‘…’ or "…") within the paragraph, so quoted speech with several full
  stops stays with its speaker;
* after an abbreviation (``TP.``, ``TS.``, ``PGS.``, a single capital as in ``ông B.``);
* inside numbers (``1,5``, ``4.000``, ``13/9/2023``) and URLs, which the "followed by space" rule keeps.

Every line is a sentence boundary: headings, bylines and captions are lines without final punctuation.
Noise (captions, bylines, counters, headings, numbered references) keeps its place in the numbering so
citations stay stable, but is marked :attr:`SentenceKind.NOISE`.
"""

from __future__ import annotations

import bisect
import re
from types import EllipsisType

from tomtat.text import count_syllables, normalize
from tomtat.types import Article, Sentence, SentenceKind, Story

ABBREVIATIONS = frozenset(
    "tp ts ths pgs gs bs ks ls nxb nsnd nsưt th st tt q p tx h mr mrs ms dr prof co inc ltd jr sr vs etc "
    "no tr cn bsck pgs.ts gs.ts ubnd hđnd cty".split()
)
_OPENERS = {"“": "”", "‘": "’", "«": "»"}
_QUOTE_CHAR = re.compile("[“”‘’«»\"]")
_END_CHARS = ".!?…"
_CLOSERS = "”’\"')]»"
# A sentence may start with a letter, a digit, an opening quote, bracket or dash.
_LAST_WORD = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"^(?:[A-ZĐ][a-zđ]?\.)+[A-ZĐ][a-zđ]?$")  # "O.C.Đ", "N.D.H", "Tr.V.X"
_NEXT_SENTENCE = re.compile(r"\s+([“‘\"'(\[«–—-]|\w+)")
_BOUNDARY = re.compile(r"(?:[.!?]+|…|\.\.\.)[" + re.escape(_CLOSERS) + r"]*(?=\s)")

_CAPTION = re.compile(
    r"^\(?\s*(ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh|video|clip|đồ họa|đồ hoạ|infographic|photo)\s*[:\-–]",
    re.IGNORECASE,
)
# A paragraph that ends with a photo credit is a caption, whether the credit is in parentheses or
# follows the description ("Cháy rừng gần Athens. Ảnh: Reuters", "... tháng 6.2022 - Ảnh: NASA").
_TRAILING_CAPTION = re.compile(
    r"(?:\(\s*(ảnh|ảnh minh họa|ảnh minh hoạ|nguồn|nguồn ảnh|video|clip|đồ họa|đồ hoạ|photo)\s*:[^()]*\)"
    r"|(?:\s[-–—]\s*|[.!?”\"]\s+)(ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh|video|clip|đồ họa|đồ hoạ|photo)"
    r"\s*:\s*[^.!?()]{1,80})\s*$",
    re.IGNORECASE,
)
_INLINE_CAPTION = re.compile(
    r"\s*\(\s*(ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh|video|clip|đồ họa|đồ hoạ|photo)\s*:[^()]*\)",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\(?\s*(tác giả|theo|nguồn|bài và ảnh|bài, ảnh|ảnh|thực hiện|biên dịch|lược dịch|tổng hợp|pv|ctv)\b"
    r"[^.!?]{0,80}\)?\s*$",
    re.IGNORECASE,
)
_PAREN_BYLINE = re.compile(r"^[^.!?()]{0,60}\(\s*(theo|nguồn)\b[^()]*\)\s*$", re.IGNORECASE)
# A numbered reference at an article's end: "(6) Đảng Cộng sản Việt Nam, Văn kiện ..., Nxb ..., tr.7".
_REFERENCE = re.compile(
    r"^\s*[(\[]\d{1,3}[)\]]\s.{0,300}?(?:\bnxb\b|\btr\.\s?\d|toàn tập|văn kiện|báo cáo)", re.IGNORECASE
)
_COUNTER = re.compile(r"^[\d\s/.,:;|+\-–—%#*•·]*$")
_DATELINE = re.compile(
    r"^(?:\([^()]{2,30}\)|[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢÍÌỈĨỊÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴÉÈẺẼẸÓÒỎÕỌ.\s]{2,30})\s*[-–—]\s+"
)
_FINAL_PUNCTUATION = tuple('.!?…:;"”’)»')
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,2}|[IVX]{1,4})\.\s")

HEADING_MAX_SYLLABLES = 25
MIN_SENTENCES_PER_ARTICLE = 10
# Without a given lead, the first paragraph is the lead, up to this many sentences: a body with no line
# breaks is one "paragraph", and a sapo is one to three sentences.
MAX_IMPLICIT_LEAD_SENTENCES = 3
# A quotation longer than this is a quoted paragraph, not a sentence: it is split like the rest of the
# text, since a 100-syllable "sentence" could never fit a summary.
MAX_PROTECTED_QUOTE = 300


def split_sentences(text: str) -> list[str]:
    """Split normalized text into sentences; each line is split on its own."""
    return [sentence for line in text.split("\n") for sentence in split_line(line)]


def split_line(line: str) -> list[str]:
    """Split one paragraph (no newlines) into sentences."""
    line = line.strip()
    if not line:
        return []
    protected = _merge_spans([(lo, hi) for lo, hi in _quoted_spans(line) if hi - lo <= MAX_PROTECTED_QUOTE])
    starts = [lo for lo, _ in protected]
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end()
        if _inside(protected, starts, match.start()):
            continue
        following = _NEXT_SENTENCE.match(line, end)
        if following is None or _continues_sentence(following.group(1)):
            continue
        if (
            match.group().startswith(".")
            and len(match.group()) == 1
            and _is_abbreviation(line, match.start(), following.group(1))
        ):
            continue
        piece = line[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _continues_sentence(next_word: str) -> bool:
    """A lowercase word after a full stop continues the sentence ("...bão lụt…. có thể", "Tr.V.X. không");
    product names such as "iOS" or "eSIM" start with lowercase but begin a new sentence."""
    return next_word[0].islower() and not any(char.isupper() for char in next_word[1:])


def _is_abbreviation(line: str, dot: int, next_word: str) -> bool:
    word = _LAST_WORD.search(line, max(0, dot - 40), dot)
    if not word:
        return False
    token = word.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial, as in "ông B."
    if next_word == "(" and _INITIALS.match(token):
        return True  # a name given as initials, then the age: "O.C.Đ. (26 tuổi)"
    return token.lower() in ABBREVIATIONS and (token[0].isupper() or len(token) <= 3)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _inside(spans: list[tuple[int, int]], starts: list[int], position: int) -> bool:
    """Whether ``position`` lies strictly inside one of the sorted, disjoint ``spans`` (binary search)."""
    i = bisect.bisect_left(starts, position) - 1
    return i >= 0 and spans[i][0] < position < spans[i][1]


def _quoted_spans(line: str) -> list[tuple[int, int]]:
    """Spans of balanced quotations in one line; an unclosed quote protects nothing."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight_open: int | None = None
    for quote in _QUOTE_CHAR.finditer(line):
        i, char = quote.start(), quote.group()
        if char in _OPENERS:
            stack.append((_OPENERS[char], i))
        elif stack and char == stack[-1][0]:
            _closer, begin = stack.pop()
            if not stack:
                spans.append((begin, i))
        elif char == "”" and straight_open is not None:
            # A mixed pair: "..." closed by a curly quote, common in pasted news.
            spans.append((straight_open, i))
            straight_open = None
        elif char == '"':
            if straight_open is None:
                straight_open = i
            else:
                spans.append((straight_open, i))
                straight_open = None
    return spans


def clean_sentence(text: str) -> str:
    """Remove what never belongs in a summary sentence but sits inside one (inline photo credits, a
    bullet glued to its end)."""
    text = _INLINE_CAPTION.sub("", text)
    return text.strip().rstrip("•●■▪►").rstrip()  # "... lãi trái phiếu.•"


def noise_reason(sentence: str, line: str, *, line_reason: str | EllipsisType | None = ...) -> str | None:
    """Why ``sentence`` (from paragraph ``line``) is noise, or ``None`` when it is content.

    ``line_reason``: :func:`line_noise` of ``line``, when the caller has already looked (``...``: not
    yet); searching a 10 MB one-line article again for each of its sentences took hours.
    """
    stripped = sentence.strip()
    if _COUNTER.match(stripped):
        return "counter"
    if line_reason is ...:
        line_reason = line_noise(line)
    if _CAPTION.match(stripped) or line_reason == "caption":
        return "caption"
    if _BYLINE.match(stripped) or _PAREN_BYLINE.match(stripped):
        return "byline"
    if line_reason == "reference":
        return "reference"
    # A numbered heading ("2. Các triệu chứng cúm A") is split after its number, so the whole line counts.
    is_whole_line = sentence == line.strip() or bool(_ENUMERATOR.match(line))
    if is_whole_line:
        label = _without_trailing_parenthetical(stripped)
        if not label.endswith(_FINAL_PUNCTUATION) and count_syllables(label) <= HEADING_MAX_SYLLABLES:
            return "heading"
    return None


def line_noise(line: str) -> str | None:
    """What a whole paragraph is, whatever its sentences: a caption (it ends with a photo credit) or a
    numbered reference ("(6) Đảng Cộng sản Việt Nam, Văn kiện ..., Nxb ..., tr.35"); else ``None``."""
    if _TRAILING_CAPTION.search(line):
        return "caption"
    if _REFERENCE.match(line):
        return "reference"
    return None


def _without_trailing_parenthetical(text: str) -> str:
    """``text`` without a parenthetical it ends with: what a label without final punctuation may end with
    (a person's office, a match minute, a table's unit: "Bruno Fernandes (55’)", "... trọng điểm (%)")."""
    if text.endswith(")"):
        opening = text.rfind("(")
        if opening >= 0 and ")" not in text[opening:-1]:
            return text[:opening].rstrip()
    return text


# Openings that point back to the sentence before ("Điều này ...", "Đây là ...", "Ông cũng ..."), a
# demonstrative in the first words ("Động thái này ...", but not "Tuần này ..."), and abstract nouns with
# a demonstrative anywhere ("... bác bỏ đề xuất này"). Concrete ones ("nước này") usually have their
# referent in the same sentence ("Bộ trưởng Y tế Thái Lan ... nước này"), so they do not count, and
# neither do connectives ("Theo đó,", "Vì vậy,"), which read on their own.
_OPENING = r"^[\s\"“‘'(«\[–-]*"
_REFERRING_OPENING = re.compile(
    _OPENING + r"(?:(?:điều|việc|chuyện|vấn đề|động thái|con số|thông tin|báo|hãng|người|số|đợt|quyết định"
    r"|ông|bà|anh|chị) (?:này|đó|trên)"
    r"|đây|đó|họ|nó|ông ấy|bà ấy|anh ấy|chị ấy)\b",
    re.IGNORECASE,
)
_PRONOUN_OPENING = re.compile(_OPENING + r"(?:ông|bà|chị) (\w)", re.IGNORECASE)  # "Ông cũng", not "Ông Kim"
_DEMONSTRATIVE_OPENING = re.compile(_OPENING + r"(?:\w+ ){1,3}này\b", re.IGNORECASE)
_TIME_OPENING = re.compile(
    _OPENING + r"(?:tuần|tháng|năm|hôm|sáng|trưa|chiều|tối|đêm|ngày|mùa|dịp|lần|thời điểm) này\b",
    re.IGNORECASE,
)
# An item of a list ("b) Được yêu cầu ...;", "- Sổ hộ khẩu ...;") needs the sentence that opened the list.
_LIST_ITEM = re.compile(r"^\s*[a-zđ]\)\s|;\s*$")
_LATER_ITEM = re.compile(_OPENING + r"thứ (?:hai|ba|tư|năm|sáu|bảy|tám|chín|mười),", re.IGNORECASE)
_REFERRING_ANYWHERE = re.compile(
    r"\b(?:nói trên|kể trên|trên đây|(?:điều|việc|vấn đề|đề xuất|vị|thông tin|quyết định|động thái|chủ đề"
    r"|mục tiêu|kế hoạch|trường hợp|sự việc|vụ việc|vụ án|hành động|tình trạng|con số|lời hứa|sự kiện"
    r"|tuyên bố|phát biểu|nhận định|ý kiến|đề nghị|chính sách|thỏa thuận|cáo buộc) này)\b",
    re.IGNORECASE,
)


def leads_on(sentence: str) -> bool:
    """Whether ``sentence`` opens something only a later sentence completes: a quotation it does not
    close (one too long to keep in one piece, see :data:`MAX_PROTECTED_QUOTE`) or, ending with a colon,
    a list or a statement ("Một số bình luận của khán giả:"). Alone, it would leave the reader hanging."""
    return sentence.count("“") > sentence.count("”") or sentence.rstrip().endswith(":")


def refers_back(sentence: str) -> bool:
    """Whether ``sentence`` leans on the one before it ("Điều này cho thấy ...", "Ông cũng nói ...",
    "Thứ ba, ...", an item of a list, or the end of a quotation opened there).

    Such a sentence read without its predecessor leaves the reader asking "which one?", so selection
    takes it only after the sentence it follows. Rules over the first words and a closed list of
    abstract nouns: they miss some references, but what they flag nearly always is one.
    """
    if _REFERRING_OPENING.match(sentence) or _LATER_ITEM.match(sentence) or _LIST_ITEM.search(sentence):
        return True
    if sentence.count("”") > sentence.count("“"):
        return True
    pronoun = _PRONOUN_OPENING.match(sentence)
    if pronoun and pronoun.group(1).islower():
        return True
    if _DEMONSTRATIVE_OPENING.match(sentence) and not _TIME_OPENING.match(sentence):
        return True
    lowered = sentence.lower()  # the substring tests spare most sentences the slow alternation
    return ("này" in lowered or "trên" in lowered) and bool(_REFERRING_ANYWHERE.search(sentence))


_SHORT_NAME = re.compile(_OPENING + r"(?i:theo )?(?i:ông|bà|ngài) (\w[\w-]*)(?: (\w+))?")
_SHORT_NAME_INSIDE = re.compile(r"(?<![\w-])(?:ông|bà|ngài) (\w[\w-]*)(?: (\w+))?")  # lowercase: not "Bà Rịa"


def short_name(sentence: str) -> str | None:
    """A name the sentence gives as one word after "ông"/"bà" ("Ông Scholz nói ...", "Theo ông Scholz,
    ...", "... sổ BHXH của bà Thủy"), which only a sentence giving the longer name ("Thủ tướng Đức Olaf
    Scholz", "bà Nguyễn Thị Thủy") lets the reader place. Initials ("ông T.") are a name withheld, not
    a short one."""
    opening = _SHORT_NAME.match(sentence)
    for match in ([opening] if opening else []) + list(_SHORT_NAME_INSIDE.finditer(sentence)):
        name, following = match.group(1), match.group(2)
        if len(name) > 1 and name[0].isupper() and (following is None or not following[0].isupper()):
            return name
    return None


def introduces(sentence: str, name: str) -> bool:
    """Whether ``sentence`` gives ``name`` within a longer name ("Olaf Scholz", "Yang Moo-jin")."""
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence):
        before = [w for w in sentence[: match.start()].split()[-1:] if w.lower() not in _HONORIFICS]
        after = sentence[match.end() :].split()[:1]
        if any(word[:1].isupper() for word in before + after):
            return True
    return False


_HONORIFICS = frozenset("ông bà ngài anh chị cô".split())


def strip_dateline(sentence: str) -> str:
    """Drop a leading agency/section tag such as ``QUỐC TẾ -`` or ``(Dân trí) -``."""
    match = _DATELINE.match(sentence)
    if match and count_syllables(sentence[match.end() :]) >= 5:
        return sentence[match.end() :]
    return sentence


def infer_title(text: str) -> str:
    """The first line of a plain-text article when it reads as a headline (short, no final punctuation).

    Text files saved from news sites usually start with the headline; recovering it gives the ranker the
    same title signal that structured input (AbMuSu's ``title``) provides.
    """
    first_line, newline, _ = text.strip().partition("\n")
    if not newline or noise_reason(first_line, first_line) != "heading":
        return ""
    return first_line.strip()


def segment_article(article: Article, doc: int) -> list[Sentence]:
    """Split one article into numbered sentences: lead (sapo) first, then the body.

    When no lead is given, the first content paragraph of the body (at most
    :data:`MAX_IMPLICIT_LEAD_SENTENCES` sentences) is taken as the lead, which is what it is in almost every
    Vietnamese news article.
    """
    sentences: list[Sentence] = []
    position = 0
    paragraph_no = 0
    has_lead = bool(article.lead.strip())
    blocks: list[tuple[str, bool]] = []
    if has_lead:
        blocks.extend((line, True) for line in normalize(article.lead).split("\n"))
    blocks.extend((line, False) for line in normalize(article.text).split("\n"))
    lead_assigned = has_lead
    for line, is_lead_block in blocks:
        pieces = split_line(line)
        if not pieces:
            continue
        paragraph_content = False
        line_reason = line_noise(line)
        for piece in pieces:
            text = (
                clean_sentence(strip_dateline(piece))
                if position == 0 or not sentences
                else clean_sentence(piece)
            )
            reason = noise_reason(piece, line, line_reason=line_reason) if text else "empty"
            if reason is not None:
                kind = SentenceKind.NOISE
            elif is_lead_block or (not lead_assigned and position < MAX_IMPLICIT_LEAD_SENTENCES):
                kind = SentenceKind.LEAD
                paragraph_content = True
            else:
                kind = SentenceKind.BODY
            sentences.append(
                Sentence(
                    text=text or piece,
                    doc=doc,
                    index=len(sentences),
                    paragraph=paragraph_no,
                    position=position if kind is not SentenceKind.NOISE else -1,
                    kind=kind,
                )
            )
            if kind is not SentenceKind.NOISE:
                position += 1
        if paragraph_content and not is_lead_block:
            lead_assigned = True
        paragraph_no += 1
    return sentences


def segment(articles: list[Article] | tuple[Article, ...]) -> Story:
    """Segment every article of a story."""
    sentences = [s for doc, article in enumerate(articles) for s in segment_article(article, doc)]
    return Story(articles=tuple(articles), sentences=tuple(sentences))


def truncate(story: Story, max_sentences: int) -> Story:
    """Keep the first content sentences of each article, at most ``max_sentences`` in all.

    News puts what matters first, and a summary of a few hundred syllables never draws on the thousandth
    sentence of an article; bounding the candidates keeps time and memory bounded for a 10 MB input or
    hundreds of articles. Each article keeps an equal share (at least :data:`MIN_SENTENCES_PER_ARTICLE`).
    Indices are untouched, so citations still point into the full article.
    """
    per_article = max(MIN_SENTENCES_PER_ARTICLE, max_sentences // max(len(story.articles), 1))
    cutoff = {s.doc: s.index for s in reversed(story.sentences) if s.position == per_article}
    kept = tuple(s for s in story.sentences if s.doc not in cutoff or s.index < cutoff[s.doc])
    if len(kept) == len(story.sentences):
        return story
    return Story(articles=story.articles, sentences=kept)
