"""The facts a reader checks first — when, where, who, numbers, who said what — and where sources disagree.

A summary is read; facts are *checked*. A newsroom reader glances at the dates, places, names and figures
before trusting a story, and wants to know at once when two outlets give different figures. This module
pulls those out of a segmented :class:`~tomtat.types.Story`, each fact citing the article sentences it
comes from (``doc_index`` + ``sentence``, exactly like :class:`~tomtat.types.SummarySentence`).

Everything is rules and regular expressions on purpose: it runs in a few milliseconds per story (a
statistical NER model would cost hundreds), it needs no model files, and when it is wrong the reason is
readable. The rules lean towards precision: a missing fact costs the reader a look at the article, a wrong
one — above all a false "the sources disagree" — misleads. So:

* a number is a quantity only with a unit or noun after it, never inside a date, a name (``COVID-19``,
  ``Boeing 737``), a phone number or a range;
* a bare ``13/9`` is a date only after a time word (``ngày``, ``hôm``, ``tối`` ...) or in parentheses;
* a capitalized name is a person only with evidence (a title such as ``Tổng thống``/``ông`` before it,
  a role after it, or a speech verb after it), and a place only after a location word (``tại``, ``ở`` ...)
  or when it is a well-known country;
* a quote is kept only when the sentence names its speaker;
* two articles *disagree* only when each gives exactly one exact (not "khoảng", "hơn" ...) value for the
  same specific thing, the values are close enough to be the same fact misreported (180 vs 186 hành
  khách; 23/8 vs 24/8 for the same departure), and no article mentions both values.

Vietnamese number format: ``.`` groups thousands and ``,`` marks decimals (``4.000 m``, ``1,5 triệu``).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePath
from typing import Any

from tomtat.types import Sentence, Story

TOP = 5  # facts per kind: a glance, not a dump
MIN_QUOTE_SYLLABLES = 6  # shorter quoted text is a scare quote or a fragment ("mức giá", "phải trả giá")
MAX_RATIO = 2.0  # two figures further apart than this are different facts, not one fact misreported
MAX_DAY_GAP = 2  # two dates further apart than this are different events
MIN_SHARED_WORDS = 2  # content words two figures' surroundings must share to be the same claim
MIN_DISPUTED_VALUE = 5


# --- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One article sentence a fact comes from: article name, article position, sentence index."""

    doc: str
    doc_index: int
    sentence: int

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "doc_index": self.doc_index, "sentence": self.sentence}


def _sources_dict(sources: tuple[Source, ...]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in sources]


def _article_count(sources: tuple[Source, ...]) -> int:
    return len({s.doc_index for s in sources})


@dataclass(frozen=True)
class DateFact:
    """A date or time (``13/9/2023``, ``tháng 7 năm 2023``, ``hôm thứ Ba``, ``22h ngày 23/8``).

    Fields the text does not state stay ``None``: a year is never guessed, except that a bare ``13/9`` is
    merged into ``13/9/2023`` when that is the only year the story gives for that day.
    """

    text: str
    day: int | None = None
    month: int | None = None
    year: int | None = None
    hour: int | None = None
    minute: int | None = None
    weekday: str | None = None
    sources: tuple[Source, ...] = ()

    @property
    def value(self) -> str:
        """The normalized Vietnamese reading: ``22h30 ngày 23/8/2023``, ``tháng 4/2019``, ``thứ Ba``."""
        parts: list[str] = []
        if self.hour is not None:
            parts.append(f"{self.hour}h{self.minute:02d}" if self.minute else f"{self.hour}h")
        if self.weekday:
            parts.append(self.weekday)
        if self.day is not None and self.month is not None:
            parts.append(f"{self.day}/{self.month}" + (f"/{self.year}" if self.year else ""))
        elif self.month is not None:
            parts.append(f"tháng {self.month}" + (f"/{self.year}" if self.year else ""))
        elif self.day is not None:
            parts.append(f"ngày {self.day}")
        elif self.year is not None:
            parts.append(f"năm {self.year}")
        return " ".join(parts)

    @property
    def iso(self) -> str | None:
        """``YYYY-MM-DD`` when day, month and year are all known, else ``None``."""
        if self.day and self.month and self.year:
            try:
                return date(self.year, self.month, self.day).isoformat()
            except ValueError:
                return None
        return None

    @property
    def key(self) -> tuple[int | str | None, ...]:
        return (self.year, self.month, self.day, self.hour, self.minute, self.weekday)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "iso": self.iso,
            "day": self.day,
            "month": self.month,
            "year": self.year,
            "hour": self.hour,
            "minute": self.minute,
            "weekday": self.weekday,
            "sources": _sources_dict(self.sources),
        }


@dataclass(frozen=True)
class PlaceFact:
    """A place named after a location word (``tại sân bay vũ trụ Vostochny``, ``tới Bình Nhưỡng``)."""

    name: str
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "articles": _article_count(self.sources),
            "sources": _sources_dict(self.sources),
        }


@dataclass(frozen=True)
class EntityFact:
    """A person or organization, with the title or role the articles give it (``Tổng thống Nga``)."""

    name: str
    kind: str  # "person" | "organization"
    title: str | None = None
    sources: tuple[Source, ...] = ()

    @property
    def articles(self) -> int:
        return _article_count(self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "title": self.title,
            "articles": self.articles,
            "mentions": len(self.sources),
            "sources": _sources_dict(self.sources),
        }


@dataclass(frozen=True)
class QuantityFact:
    """A number with its unit or noun (``186 hành khách``, ``1,5 triệu đồng``), parsed to ``value``."""

    text: str
    value: float
    unit: str
    approximate: bool = False
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        value: float | int = int(self.value) if self.value.is_integer() else self.value
        return {
            "text": self.text,
            "value": value,
            "unit": self.unit,
            "approximate": self.approximate,
            "sources": _sources_dict(self.sources),
        }


@dataclass(frozen=True)
class QuoteFact:
    """Quoted words and who the sentence says spoke them."""

    text: str
    speaker: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "speaker": self.speaker, "source": self.source.to_dict()}


@dataclass(frozen=True)
class Claim:
    """One side of a disagreement: the value as written and the articles that give it."""

    text: str
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "sources": _sources_dict(self.sources)}


@dataclass(frozen=True)
class Disagreement:
    """Articles giving different values for the same thing (``subject``): a figure or an event's date."""

    subject: str
    kind: str  # "number" | "date"
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": self.kind, "claims": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True)
class Facts:
    """Everything :func:`extract_facts` found, each list ranked (most articles first) and capped."""

    when: tuple[DateFact, ...] = ()
    where: tuple[PlaceFact, ...] = ()
    who: tuple[EntityFact, ...] = ()
    numbers: tuple[QuantityFact, ...] = ()
    quotes: tuple[QuoteFact, ...] = ()
    disagreements: tuple[Disagreement, ...] = field(default=())

    def __bool__(self) -> bool:
        return any((self.when, self.where, self.who, self.numbers, self.quotes, self.disagreements))

    def to_markdown(self, articles: Iterable[str] = ()) -> str:
        """A short "Dữ kiện" section: one line per kind, every fact with where it comes from. ``articles``
        names all the story's articles (see :meth:`lines`)."""
        from tomtat.rendering import escape_markdown

        lines = self.lines(escape=escape_markdown, articles=articles)
        return "\n".join(["### Dữ kiện", "", *lines]) if lines else ""

    def lines(
        self, emphasis: str = "**", escape: Callable[[str], str] = str, articles: Iterable[str] = ()
    ) -> list[str]:
        """The section's list items, kind names wrapped in ``emphasis`` (``""`` for plain text); ``escape``
        is applied to every piece taken from the articles (names, quotes, file names). An article is cited
        by its file name without folders unless another one of ``articles`` or of the facts' sources has
        the same file name (``a/bai.txt``, ``b/bai.txt``): then by its whole name."""

        def kind(name: str, facts: Iterable[str] = ()) -> str:
            items = "; ".join(facts)
            return f"- {emphasis}{name}:{emphasis}" + (f" {items}" if items else "")

        shown = _short_names([*articles, *self._docs()])

        def cite(sources: tuple[Source, ...]) -> str:
            return escape(_cite(sources, shown))

        lines = []
        if self.when:
            lines.append(kind("Khi nào", (f"{escape(d.value)} ({cite(d.sources)})" for d in self.when)))
        if self.where:
            lines.append(kind("Ở đâu", (f"{escape(p.name)} ({cite(p.sources)})" for p in self.where)))
        if self.who:
            named = (f"{e.name}, {e.title}" if e.title else e.name for e in self.who)
            cited = (f"{escape(name)} ({cite(e.sources)})" for name, e in zip(named, self.who, strict=True))
            lines.append(kind("Ai", cited))
        if self.numbers:
            lines.append(kind("Con số", (f"{escape(q.text)} ({cite(q.sources)})" for q in self.numbers)))
        if self.quotes:
            lines.append(kind("Ai nói gì"))
            lines.extend(
                f"  - {escape(q.speaker)}: “{escape(_clip(q.text))}” ({cite((q.source,))})"
                for q in self.quotes
            )
        if self.disagreements:
            lines.append(kind("Các nguồn khác nhau"))
            lines.extend(
                f"  - {escape(d.subject)}: "
                + " ≠ ".join(f"{escape(c.text)} ({cite(c.sources)})" for c in d.claims)
                for d in self.disagreements
            )
        return lines

    def _docs(self) -> list[str]:
        """The article names of every source of every fact."""
        claims = (c for d in self.disagreements for c in d.claims)
        cited = (*self.when, *self.where, *self.who, *self.numbers, *claims)
        return [s.doc for fact in cited for s in fact.sources] + [q.source.doc for q in self.quotes]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        """The inverse of :meth:`to_dict`, for facts kept as JSON (the store caches them with summaries)."""

        def sources(items: list[dict[str, Any]]) -> tuple[Source, ...]:
            return tuple(Source(**item) for item in items)

        def claims(items: list[dict[str, Any]]) -> tuple[Claim, ...]:
            return tuple(Claim(c["text"], sources(c["sources"])) for c in items)

        date_fields = ("text", "day", "month", "year", "hour", "minute", "weekday")
        when = (
            DateFact(**{k: f[k] for k in date_fields}, sources=sources(f["sources"]))
            for f in data["when"]
        )
        who = (EntityFact(f["name"], f["kind"], f["title"], sources(f["sources"])) for f in data["who"])
        numbers = (
            QuantityFact(f["text"], float(f["value"]), f["unit"], f["approximate"], sources(f["sources"]))
            for f in data["numbers"]
        )
        disagreements = (
            Disagreement(d["subject"], d["kind"], claims(d["claims"]))
            for d in data["disagreements"]
        )
        return cls(
            when=tuple(when),
            where=tuple(PlaceFact(f["name"], sources(f["sources"])) for f in data["where"]),
            who=tuple(who),
            numbers=tuple(numbers),
            quotes=tuple(QuoteFact(f["text"], f["speaker"], Source(**f["source"])) for f in data["quotes"]),
            disagreements=tuple(disagreements),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": [f.to_dict() for f in self.when],
            "where": [f.to_dict() for f in self.where],
            "who": [f.to_dict() for f in self.who],
            "numbers": [f.to_dict() for f in self.numbers],
            "quotes": [f.to_dict() for f in self.quotes],
            "disagreements": [d.to_dict() for d in self.disagreements],
        }


def _cite(sources: tuple[Source, ...], shown: dict[str, str] | None = None) -> str:
    """``article-1.txt, câu 4`` for one source; ``3 bài: article-1.txt, câu 4 …`` for several articles."""
    if not sources:
        return ""
    doc = sources[0].doc
    name = shown[doc] if shown and doc in shown else PurePath(doc).name or doc
    first = f"{name}, câu {sources[0].sentence}"
    articles = _article_count(sources)
    return f"{articles} bài: {first} …" if articles > 1 else first + (" …" if len(sources) > 1 else "")


def _short_names(docs: Iterable[str]) -> dict[str, str]:
    """How citations name each article: its file name without folders (``article-1.txt``), or its whole
    name when another article has the same file name (``2023/a/bai.txt`` and ``2024/b/bai.txt``)."""
    short = {doc: PurePath(doc).name or doc for doc in set(docs)}
    count = Counter(short.values())
    return {doc: name if count[name] == 1 else doc for doc, name in short.items()}


def _clip(text: str, words: int = 30) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


# --- word lists --------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(w.strip() for w in text.split("|") if w.strip())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


# Words that end a noun phrase after a number: function words, verbs and adverbs that follow quantities.
_STOP = _words(
    "và|hay|hoặc|của|cho|với|tại|ở|trong|ngoài|trên|dưới|từ|đến|tới|sang|về|vào|ra|lên|xuống|qua|là|thì|mà|"
    "đã|đang|sẽ|vừa|mới|còn|cũng|đều|được|bị|có|không|chưa|chỉ|rất|khá|hơn|nữa|này|kia|đó|ấy|nay|nào|"
    "mỗi|các|những|một|khi|sau|trước|nhưng|nên|vì|do|để|theo|như|nếu|bằng|rằng|gần|khoảng|tuổi|trở|"
    "liên|tiếp|thêm|lại|trước|đây|bên|nhau|nhiều|ít|lần|người|năm"
)
_MULTIPLIERS = {"nghìn": 1e3, "ngàn": 1e3, "trăm": 1e2, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
_UNIT_ALIASES = {
    "mét": "m", "met": "m", "kilomet": "km", "ki-lô-mét": "km", "kilogram": "kg", "ki-lô-gam": "kg",
    "phần trăm": "%", "đô": "USD", "đô la": "USD", "đôla": "USD", "usd": "USD", "vnd": "đồng", "vnđ": "đồng",
    "$": "USD", "tỉ": "tỷ",
}  # fmt: skip
# Units that stand alone after a number (one word), grouped by how much a reader cares.
_MEASURE_UNITS = _words(
    "%|m|km|cm|mm|m2|m²|km2|km²|ha|kg|g|tấn|lít|độ|usd|USD|đồng|vnd|VND|vnđ|euro|EUR|yên|rúp|won|bảng|"
    "tệ|MW|GW|kW|kWh|tỷ|mét|đô"
)
_TIME_UNITS = _words("năm|tháng|tuần|ngày|đêm|giờ|tiếng|phút|giây|thập kỷ|thập niên|thế kỷ")
_PEOPLE_NOUNS = _words(
    "người|hành khách|nạn nhân|binh sĩ|lính|ca|trường hợp|học sinh|sinh viên|công nhân|bệnh nhân|"
    "thí sinh|du khách|hộ|gia đình|trẻ em|phụ nữ|thuyền viên|cảnh sát|nhân viên|quân nhân|thương binh"
)
# Nouns that are a complete unit in one syllable: the words after them are context, not unit.
_SINGLE_NOUNS = _TIME_UNITS | _words(
    "người|ca|lần|vụ|nước|điểm|bàn|hộ|xe|tàu|nhà|tỉnh|trận|bài|câu|đợt|phiên|ngả|lượt|suất|liều|triệu"
)
# Classifiers: the noun they introduce belongs to the unit ("10 triệu quả đạn pháo").
_CLASSIFIERS = _words(
    "quả|chiếc|con|cái|căn|ngôi|tấm|bức|cây|viên|tờ|cuốn|quyển|toà|tòa|mũi|khẩu|chú|thanh|khối|hạt|bao|"
    "thùng|chai|gói|hộp|lô"
)
_APPROXIMATE = _words(
    "khoảng|gần|hơn|trên|dưới|ít nhất|tối thiểu|tối đa|hàng|chừng|xấp xỉ|ước tính|ước|lên tới|lên đến|"
    "tới|đến|gần như|cỡ|độ|trên dưới|chưa đến|chưa tới|không quá|vượt|vượt quá|hầu hết|nhiều|vài"
)
# Words before a number that make it a label, not a quantity ("số 10", "thứ 2", "Điều 5").
_LABEL_BEFORE = _words(
    "số|thứ|điều|khoản|mục|chương|hạng|top|mã|phòng|lô|đường|tuyến|quốc lộ|tỉnh lộ|kênh|khóa|khoá|tập|"
    "phần|lớp|tầng|cấp|bảng|vòng|nhóm|đợt|giai đoạn|ngõ|ngách|hẻm|số hiệu|chuyến"
)

_PERSON_TITLES = _words(
    "ông|bà|anh|chị|cụ|ngài|tổng thống|phó tổng thống|thủ tướng|phó thủ tướng|chủ tịch|phó chủ tịch|"
    "bộ trưởng|thứ trưởng|ngoại trưởng|tổng bí thư|bí thư|nhà lãnh đạo|lãnh đạo|người phát ngôn|"
    "phát ngôn viên|giáo sư|tiến sĩ|thạc sĩ|chuyên gia|nhà phân tích|nhà nghiên cứu|học giả|giám đốc|"
    "tổng giám đốc|phó giám đốc|đại sứ|tướng|đại tướng|thượng tướng|trung tướng|thiếu tướng|đại tá|"
    "thượng tá|trung tá|thiếu tá|nguyên soái|đô đốc|thống đốc|thị trưởng|chánh văn phòng|cố vấn|"
    "phóng viên|bác sĩ|luật sư|nghị sĩ|thượng nghị sĩ|hạ nghị sĩ|chủ nhiệm|giảng viên|nhà báo|ca sĩ|"
    "diễn viên|cầu thủ|huấn luyện viên|hlv|tổng thư ký|người đứng đầu|quốc vương|hoàng tử|công chúa|"
    "nữ hoàng|giáo hoàng|chủ tịch nước|trưởng phòng|trưởng ban|trưởng đoàn|phó trưởng|đại biểu|"
    "điều tra viên|nhà sáng lập|ceo|tỷ phú|bình luận viên|ứng viên|nhà ngoại giao|tư lệnh|chỉ huy|"
    "trung sĩ|thủ lĩnh|nghệ sĩ|nhà văn|nhà khoa học|viện trưởng|hiệu trưởng|chánh án|kiểm sát viên"
)
_PRONOUN_TITLES = _words("ông|bà|anh|chị|cụ|ngài")
_SPEECH_VERBS = _words(
    "cho biết|nói|tuyên bố|khẳng định|nhấn mạnh|nhận định|chia sẻ|phát biểu|cho rằng|bình luận|nhận xét|"
    "đánh giá|lưu ý|nói thêm|trả lời|viết|kêu gọi|cảnh báo|thông báo|tiết lộ|giải thích|bày tỏ|"
    "nhắc lại|thừa nhận|xác nhận|phát biểu|lập luận|gợi ý|dự báo|nhận xét|đề nghị|yêu cầu|khuyến cáo"
)
_ORG_HEADS = _words(
    "Bộ|Hội đồng|Ủy ban|Uỷ ban|Viện|Học viện|Trung tâm|Đại học|Trường|Tập đoàn|Công ty|Tổng công ty|"
    "Ngân hàng|Quỹ|Cục|Tổng cục|Sở|Văn phòng|Tòa án|Toà án|Viện kiểm sát|Đảng|Hãng|Liên minh|Tổ chức|"
    "Quân đội|Cơ quan|Báo|Đài|Thông tấn xã|Hiệp hội|Liên đoàn|Câu lạc bộ|CLB|Công an|Bệnh viện|Ban|"
    "Cảng vụ|Chi cục|Thanh tra|Kho bạc|Hải quan|Bộ Tư lệnh|Bộ Chỉ huy|Ủy ban nhân dân|Hội đồng nhân dân"
)
_KNOWN_ORGS = _words(
    "Nhà Trắng|Điện Kremlin|Lầu Năm Góc|Liên hợp quốc|Liên Hợp Quốc|Liên Hiệp Quốc|Quốc hội|Chính phủ|"
    "NATO|EU|CIA|FBI|WHO|IMF|ASEAN|KCNA|TASS|Reuters|AFP|AP|BBC|CNN|Interfax|RIA Novosti|Yonhap|Xinhua|"
    "Tân Hoa xã|Wagner|Điện Elysee|Phố Downing"
)
# Full names of Vietnam's ministries (and their provincial departments, "Sở") and of national bodies
# that run past what the rules below can read: "và", commas and hyphens inside, lowercase words after the
# compound ("Phát triển nông thôn", "Kiểm soát bệnh tật").
_MINISTRY_FIELDS = _words(
    "Kế hoạch và Đầu tư|Tài nguyên và Môi trường|Thông tin và Truyền thông|Khoa học và Công nghệ|"
    "Giáo dục và Đào tạo|Nông nghiệp và Phát triển nông thôn|Nông nghiệp và Phát triển Nông thôn|"
    "Nông nghiệp và Môi trường|Dân tộc và Tôn giáo|Giao thông vận tải|Giao thông Vận tải|"
    "Lao động - Thương binh và Xã hội|Lao động – Thương binh và Xã hội|Lao động, Thương binh và Xã hội|"
    "Văn hóa, Thể thao và Du lịch|Văn hoá, Thể thao và Du lịch"
)
_NATIONAL_BODIES = _words(
    "Ngân hàng Nhà nước Việt Nam|Ngân hàng Nhà nước|Ngân hàng Thế giới|Hội đồng Bảo an Liên hợp quốc|"
    "Hội đồng Bảo an Liên Hợp Quốc|Đại hội đồng Liên hợp quốc|Đại hội đồng Liên Hợp Quốc|"
    "Ủy ban Thường vụ Quốc hội|Uỷ ban Thường vụ Quốc hội|Ủy ban Kiểm tra Trung ương|"
    "Uỷ ban Kiểm tra Trung ương|Bộ Chính trị|Trung tâm Kiểm soát bệnh tật"
)
_MINISTRIES = frozenset(f"{head} {field}" for head in ("Bộ", "Sở") for field in _MINISTRY_FIELDS)
# Second syllables that may follow a capitalized syllable inside an organization name ("Bộ Quốc phòng").
_ORG_SECOND = _words(
    "giao|phòng|ninh|gia|an|hợp|quốc|tế|chính|thống|nhất|dân|học|nghiệp|vụ|sự|hội|trị|pháp|mại|nhân|"
    "đồng|ban|sát|án|tịch|lâm|lược|cứu|tin|thông|giáo|tục|hóa|hoá|thuật|tài|sản|trường|nguyên|vận|tải|"
    "lao|động|binh|xã|thương|y|tế|dục|đạo|đoàn|cảnh|sản|vực|lực|phủ|bảo|hiểm|tư|liệu|viện|bộ|khoa|"
    "nông|thôn|công|xây|dựng|kiểm|toán|lập|tự|do|tâm|chủ|văn|thể|thao|môi|ương|kê|hoạch|lịch|không|"
    "lượng|thư|mưu|quan|dò|thác|hiệu|đốc|chất|hành|lục|thủy|thuỷ|sản|nghệ|mạc|lộ|sắt|biển|trời|tử|trụ|hỏa|hoả|lý|ủy|uỷ|trận|đội"
)
# Common family names that start a person's name right after an office's ("Bộ Y tế Nguyễn Trường Sơn"):
# an organization name ends before them. Family names that also begin place names (Hà, Phan, Hoàng,
# Thái, Lâm, Cao, Mai) are left out.
_FAMILY_NAMES = _words("Nguyễn|Trần|Lê|Phạm|Huỳnh|Vũ|Võ|Đặng|Bùi|Đỗ|Trịnh|Trương|Lương|Dương|Ngô")
_PUBLIC_OFFICES = _words(
    "Bộ|Sở|Cục|Tổng cục|Chi cục|Ủy ban|Uỷ ban|Ban|Văn phòng|Bộ Tư lệnh|Bộ Chỉ huy|Ủy ban nhân dân|"
    "Hội đồng nhân dân|Hội đồng|Thanh tra|Công an|Viện kiểm sát|Tòa án|Toà án|Kho bạc|Hải quan|Cảng vụ"
)
_COUNTRIES = _words(
    "Việt Nam|Mỹ|Hoa Kỳ|Nga|Trung Quốc|Nhật Bản|Nhật|Hàn Quốc|Triều Tiên|Bắc Hàn|Nam Hàn|Ukraine|Ukraina|"
    "Anh|Pháp|Đức|Ý|Italy|Tây Ban Nha|Bồ Đào Nha|Hà Lan|Bỉ|Thụy Sĩ|Thụy Điển|Na Uy|Phần Lan|Đan Mạch|"
    "Ba Lan|Séc|Hungary|Áo|Hy Lạp|Thổ Nhĩ Kỳ|Iran|Iraq|Syria|Israel|Palestine|Ả Rập Xê Út|Saudi Arabia|"
    "Ai Cập|Ấn Độ|Pakistan|Afghanistan|Indonesia|Malaysia|Singapore|Thái Lan|Campuchia|Lào|Myanmar|"
    "Philippines|Australia|Úc|New Zealand|Canada|Mexico|Brazil|Argentina|Chile|Colombia|Venezuela|Cuba|"
    "Nam Phi|Nigeria|Kenya|Ethiopia|Đài Loan|Hong Kong|Hồng Kông|Belarus|Kazakhstan|Liên Xô|Mông Cổ|"
    "Sri Lanka|Bangladesh|Nepal|Qatar|UAE|Jordan|Lebanon|Libya|Sudan|Yemen|Romania|Bulgaria|Serbia|"
    "Croatia|Moldova|Gruzia|Georgia|Armenia|Azerbaijan|Estonia|Latvia|Litva|Lithuania|Slovakia|Ireland|"
    "Scotland|Peru|Ecuador|Bolivia|Morocco|Algeria|Tunisia|Brunei|Timor Leste|CHDCND Triều Tiên"
)
# Capitals that lead name runs as often as countries do ("Bình Nhưỡng", "Moscow").
_KNOWN_PLACES = _COUNTRIES | _words(
    "Moscow|Moskva|Matxcova|Washington|Bắc Kinh|Seoul|Tokyo|Bình Nhưỡng|Kiev|Kyiv|London|Paris|Berlin|"
    "Hà Nội|TP.HCM|TP HCM|Đà Nẵng|Hải Phòng|Cần Thơ|Đài Bắc|Bangkok|Jakarta|Manila|Phnom Penh|Viêng Chăn|"
    "Huế|Vinh|Nha Trang|Đà Lạt|Vũng Tàu|Quy Nhơn|Buôn Ma Thuột|Hạ Long"
) | _words(  # Vietnam's provinces, so that "Chủ tịch UBND tỉnh Hậu Giang Đồng Văn Thanh" names a person
    "An Giang|Bà Rịa - Vũng Tàu|Bà Rịa-Vũng Tàu|Vũng Tàu|Bắc Giang|Bắc Kạn|Bạc Liêu|Bắc Ninh|Bến Tre|"
    "Bình Định|Bình Dương|Bình Phước|Bình Thuận|Cà Mau|Cao Bằng|Đắk Lắk|Đắk Nông|Điện Biên|Đồng Nai|"
    "Đồng Tháp|Gia Lai|Hà Giang|Hà Nam|Hà Tĩnh|Hải Dương|Hậu Giang|Hòa Bình|Hoà Bình|Hưng Yên|Khánh Hòa|"
    "Khánh Hoà|Kiên Giang|Kon Tum|Lai Châu|Lâm Đồng|Lạng Sơn|Lào Cai|Long An|Nam Định|Nghệ An|Ninh Bình|"
    "Ninh Thuận|Phú Thọ|Phú Yên|Quảng Bình|Quảng Nam|Quảng Ngãi|Quảng Ninh|Quảng Trị|Sóc Trăng|Sơn La|"
    "Tây Ninh|Thái Bình|Thái Nguyên|Thanh Hóa|Thanh Hoá|Thừa Thiên Huế|Thừa Thiên - Huế|Tiền Giang|"
    "Trà Vinh|Tuyên Quang|Vĩnh Long|Vĩnh Phúc|Yên Bái|TP Hồ Chí Minh|TP. Hồ Chí Minh|Thành phố Hồ Chí Minh"
)
# Lowercase syllables that finish a capitalized compound ("Quốc phòng", "An ninh"): the capitalized
# syllable before them is a word of an institution or title, not a name.
_COMPOUND_SECOND = _words(
    "giao|phòng|ninh|gia|hợp|quốc|tế|thống|nhất|dân|nghiệp|vụ|trị|pháp|mại|ban|sát|tịch|lâm|lược|"
    "cứu|giáo|hóa|hoá|thuật|tải|dục|đạo|vực|lực|phủ|hiểm|thôn|toán|ương|trưởng|soái|đốc|tướng|sư|sĩ|học"
)
_LOCATION_CUES = _words("tại|ở|đến|tới|từ|sang|về|rời|rời khỏi|khắp|ngoài khơi|gần")
_PLACE_NOUNS = _words(
    "thành phố|tp|tỉnh|huyện|xã|quận|phường|thị xã|thị trấn|sân bay|sân bay vũ trụ|cảng|vùng|khu vực|"
    "bang|thủ đô|sông|biển|đảo|núi|vịnh|eo biển|bán đảo|khu|làng|bản|đường|phố|ga|ga tàu|nhà ga|"
    "vùng biển|thủ phủ|quần đảo|hồ|đèo|cửa khẩu|quảng trường|bờ biển|miền|hạt|châu|phía bắc|phía nam"
)
# Place nouns that make the name after them a place with no location word before ("UBND tỉnh Nghệ An
# tổ chức ...", "nối thành phố Vinh với huyện Nghi Xuân").
_ADMINISTRATIVE_NOUNS = _words("thành phố|tp|tỉnh|huyện|xã|quận|phường|thị xã|thị trấn")
# Words that start sentences capitalized and are never part of a name.
_STARTERS = (
    _STOP
    | _PERSON_TITLES
    | _words(
        "hôm|ngày|tháng|theo|tại|ở|trong|sau|trước|khi|các|những|một|hai|ba|bốn|năm|đây|điều|tuy|tuy nhiên|"
        "nhưng|vì|do|nếu|dù|mặc|cả|cùng|với|về|riêng|đối|còn|hiện|trước đó|sáng|chiều|tối|trưa|đêm|vào|từ|"
        "đến|tới|ngoài|chúng|họ|nó|tôi|thứ|đó|cuối|đầu|giữa|tuần|lúc|hiện nay|giới|phía|bên|mọi|nhiều|"
        "người|nhà|chính|thay|thế|tương|như|rất|có|không|đã|đang|sẽ|được|bị|là|và|hoặc|hay|mà|thì|nên|"
        "thủ|phó|cựu|bộ|hội|ủy|uỷ|viện|trung|đại|công|quân|tổng|thủ|chánh|ngoại|giáo|tiến|luật|bác|đô|tướng|"
        "phát|lãnh|cố|nguyên|hãng|báo|đài|truyền|dữ|giới|chuyên|học|nghị|mặt|trường|bệnh|ngân|quỹ|cục|sở|"
        "văn|tòa|toà|đảng|liên|tổ|cơ|hiệp|câu|clb|ban|xét"
    )
)
_EVENT_GROUPS: dict[str, str] = {
    verb: group
    for group, verbs in {
        "khởi hành": "khởi hành|cất cánh|xuất phát|lên đường",
        "hạ cánh": "hạ cánh|cập cảng|cập bến",
        "qua đời": "qua đời|tử vong|từ trần|thiệt mạng|tử nạn|hy sinh|hi sinh",
        "xảy ra": "xảy ra|bốc cháy|phát nổ|sập|động đất|rơi|gặp nạn",
        "bắt giữ": "bắt giữ|bắt giam|tạm giữ|bị bắt|khởi tố|tạm giam",
        "khai mạc": "khai mạc",
        "bế mạc": "bế mạc",
        "ký kết": "ký kết|ký",
        "xét xử": "xét xử|tuyên án|mở phiên tòa|mở phiên toà",
        "công bố": "công bố kết quả",
    }.items()
    for verb in verbs.split("|")
}
_WEEKDAYS = {"Hai": "thứ Hai", "Ba": "thứ Ba", "Tư": "thứ Tư", "Năm": "thứ Năm", "Sáu": "thứ Sáu",
             "Bảy": "thứ Bảy"}  # fmt: skip
_MONTH_WORDS = {"Giêng": 1, "Một": 1, "Hai": 2, "Ba": 3, "Tư": 4, "Năm": 5, "Sáu": 6, "Bảy": 7, "Tám": 8,
                "Chín": 9, "Mười": 10, "Mười Một": 11, "Mười Hai": 12, "Chạp": 12}  # fmt: skip


# --- patterns ----------------------------------------------------------------------------------------

_UPPER = "".join(chr(c) for c in range(0x41, 0x2000) if chr(c).isupper() and chr(c).isalpha())

_MONTH_WORD = "(?:Mười Một|Mười Hai|Giêng|Một|Hai|Ba|Tư|Năm|Sáu|Bảy|Tám|Chín|Mười|Chạp)"
_DATE_RE = re.compile(
    r"\b(?=[\dnNtThHsScCvVđĐkKlL])"  # fail fast inside words: this runs over every sentence
    r"(?:(?<![\w/.,])(?P<d1>\d{1,2})/(?P<m1>\d{1,2})/(?P<y1>\d{4})(?![\w/])"
    r"|(?i:ngày)\s+(?P<d3>\d{1,2})\s+(?i:tháng)\s+(?P<m3>\d{1,2}|" + _MONTH_WORD + r")"
    r"(?:,?\s+(?i:năm)\s+(?P<y3>\d{4}))?(?![\w/])"
    r"|(?i:tháng)\s+(?P<m4>\d{1,2})/(?P<y4>\d{4})(?![\w/])"
    r"|(?<!\d\s)(?i:tháng)\s+(?P<m5>\d{1,2}|" + _MONTH_WORD + r")(?:,?\s+(?i:năm)\s+(?P<y5>\d{4}))?(?![\w/])"
    r"|(?<![\w/.,])(?P<d2>\d{1,2})/(?P<m2>\d{1,2})(?![\w/]|[.,]\d)"
    r"|(?i:năm)\s+(?P<y6>(?:19|20)\d\d)(?![\w/])"
    r"|(?i:ngày)\s+(?P<d7>\d{1,2})(?![\w/]|[.,]\d|\s+(?i:tháng))"
    r"|(?i:hôm|vào|sáng|chiều|tối|trưa|đêm|ngày|sớm|khuya)\s+(?P<wd>thứ\s+(?:Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ\s+nhật)\b"
    r"|(?<![\w:.,/])(?P<h8>\d{1,2})[hg](?P<mi8>\d{2})?(?!\w)"
    r"|(?i:lúc)\s+(?P<h9>\d{1,2})(?:\s+giờ(?:\s+(?P<mi9>\d{1,2})(?:\s+phút)?)?|:(?P<mi9b>\d{2}))(?![\w:]))"
)
_DIGIT = re.compile(r"\d")

# A bare day/month needs a time word before it (or parentheses around it): "1/3 dân số" is a fraction.
_DM_CUE = re.compile(
    r"(?i:\b(?:ngày|hôm|sáng|trưa|chiều|tối|đêm|khuya|sớm|từ|đến|tới|vào|trước|sau|đầu|cuối|giữa|lúc|hạn|nay|"
    r"và|hoặc|hay|đêm)\s*|\(\s*|\s*-\s*|\d\s*/\s*\d+\s*(?:,|và|-|–)\s*)$"
)
_TIME_DURATION_BEFORE = re.compile(r"(?i:\b(?:trong|mất|kéo dài|suốt|sau|chỉ|hơn|gần|khoảng)\s*)$")
_RANGE_BEFORE = re.compile(
    r"(?i:\b(?:từ|kể từ|đến|tới|trước|sau|cho đến|đến hết|hết)\s+"
    r"(?:(?:ngày|hôm|sáng|trưa|chiều|tối|đêm|lúc)\s+)*)$"
)
_DATE_GAP = re.compile(r"^[\s,(]*(?:(?i:ngày|hôm|sáng|trưa|chiều|tối|đêm|lúc|vào|khuya)\s*[,(]*\s*)*$")

_NUMBER_RE = re.compile(
    r"(?=\d)(?<![\w.,/:\-–])"
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?P<attached>%|mm|cm|km|m|kg|ha|MW|GW|kW|kWh|USD|m2|m²)?"
    r"(?![\w/:]|[.,]\d|\s?[-–]\s?\d)"
    r"(?P<mult>(?:\s+(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm)(?![\w\u0300-\u036f]))*)"
)
_WORD_RE = re.compile(r"[^\W\d_][\w]*(?:[-'’][\w]+)*|\d[\w.,]*")
_TITLE_RE = re.compile(r"(?i:\b(?:(?:cựu|phó|nguyên)\s+)?(?:" + _alternation(_PERSON_TITLES) + r"))\b")
_SPEECH_AFTER_RE = re.compile(r"^\s+(?:" + _alternation(_SPEECH_VERBS) + r")\b")
_ROLE_AFTER_RE = re.compile(
    r"^\s*[,–-]\s*(?:(?:một|là|cựu|nguyên|phó)\s+)*(?P<role>(?i:"
    + _alternation(_PERSON_TITLES - _PRONOUN_TITLES)
    + r")\b[^,.;:“”\"()]{0,60})"
)
_ORG_HEAD_RE = re.compile(rf"(?=[{_UPPER}])(?<!\w)(?:{_alternation(_ORG_HEADS)})\s+(?=[{_UPPER}])")
_KNOWN_ORG_RE = re.compile(
    rf"(?=[{_UPPER}])(?<!\w)(?:" + _alternation(_KNOWN_ORGS | _MINISTRIES | _NATIONAL_BODIES) + r")(?!\w)"
)
_QUOTE_RE = re.compile(r"“([^“”]+)”|\"([^\"“”]+)[\"”]")
_SPEAKER_BEFORE_RE = re.compile(
    r"(?:" + _alternation(_SPEECH_VERBS) + r")(?:\s+(?:thêm|với\s+[^:“\"]{1,40}?))?(?:\s+rằng)?\s*[:,]?\s*$"
)
_SPEAKER_AFTER_RE = re.compile(
    r"^[\s,.]*(?P<who>[^,.;:“”\"]{1,80}?)\s*,?\s+(?:"
    + _alternation(_SPEECH_VERBS)
    + r")(?:\s+thêm)?\s*[.!]?\s*$"
)


# --- extraction --------------------------------------------------------------------------------------


@dataclass
class _Bag:
    """Mutable accumulator while one story is read; frozen into facts at the end."""

    first: dict[Any, int] = field(default_factory=dict)
    # Per key, its sources in reading order, each once (a dict used as an ordered set: O(1) dedup).
    sources: dict[Any, dict[Source, None]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, key: Any, source: Source, order: int) -> None:
        self.first.setdefault(key, order)
        self.sources[key].setdefault(source, None)


def extract_facts(story: Story, top: int = TOP) -> Facts:
    """Dates, places, people and organizations, quantities, attributed quotes and disagreements.

    Only non-noise sentences are read (captions and bylines name photographers, not actors). Each list is
    ranked by how many articles state the fact, then by reading order, and cut to ``top`` entries;
    disagreements are not cut.
    """
    sentences = [s for s in story.sentences if not s.is_noise]
    names = [a.source or str(i) for i, a in enumerate(story.articles)]

    def source(s: Sentence) -> Source:
        doc_name = names[s.doc] if 0 <= s.doc < len(names) else str(s.doc)
        return Source(doc=doc_name, doc_index=s.doc, sentence=s.index)

    dates: list[tuple[DateFact, Source, int, str | None]] = []
    quantities: list[tuple[_Quantity, Source, int]] = []
    runs: list[tuple[_Run, Source, int]] = []
    orgs = _Bag()
    org_names: dict[str, str] = {}
    quote_candidates: list[tuple[str, int, int, Sentence, int]] = []

    for order, sentence in enumerate(sentences):
        text = sentence.text
        cite = source(sentence)
        date_spans = []
        for found, span, event in _find_dates(text):
            dates.append((found, cite, order, event))
            date_spans.append(span)
        for quantity in _find_quantities(text, date_spans):
            quantities.append((quantity, cite, order))
        org_spans = []
        for name, span in _find_orgs(text):
            key = name.lower()
            org_names.setdefault(key, name)
            orgs.add(key, cite, order)
            org_spans.append(span)
        for run in _capitalized_runs(text):
            if not any(lo <= run.start < hi for lo, hi in org_spans):
                runs.append((run, cite, order))
        for match in _QUOTE_RE.finditer(text):
            quoted = match.group(1) or match.group(2)
            quote_candidates.append((quoted, match.start(), match.end(), sentence, order))

    titles = {id(run): _title_before(run.before()) for run, _cite, _order in runs}
    places = _places(runs, {run.key for run, _c, _o in runs if titles[id(run)] is not None})
    people = _people(runs, places, set(org_names), titles)
    when = _rank_dates(dates, top)
    where = _rank_places(places, top)
    who = _rank_who(people, orgs, org_names, top)
    numbers = _rank_quantities(quantities, top)
    quotes = _quotes(quote_candidates, people, source, top)
    disagreements = (*_number_disagreements(quantities), *_date_disagreements(dates))
    return Facts(when=when, where=where, who=who, numbers=numbers, quotes=quotes, disagreements=disagreements)


# --- dates -------------------------------------------------------------------------------------------


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    if text in _MONTH_WORDS:
        return _MONTH_WORDS[text]
    return int(text)


def _find_dates(text: str) -> list[tuple[DateFact, tuple[int, int], str | None]]:
    """Dates and times in one sentence, adjacent pieces merged ("22h ngày 23/8"), with their event word."""
    pieces: list[tuple[int, int, dict[str, Any]]] = []
    if not (_DIGIT.search(text) or "thứ " in text or "hủ nhật" in text or "háng " in text):
        return []
    for match in _DATE_RE.finditer(text):
        g = match.groupdict()
        fields: dict[str, Any]
        if g["d1"]:
            fields = {"day": _int(g["d1"]), "month": _int(g["m1"]), "year": _int(g["y1"])}
        elif g["d3"]:
            fields = {"day": _int(g["d3"]), "month": _int(g["m3"]), "year": _int(g["y3"])}
        elif g["m4"]:
            fields = {"month": _int(g["m4"]), "year": _int(g["y4"])}
        elif g["m5"]:
            fields = {"month": _int(g["m5"]), "year": _int(g["y5"])}
        elif g["d2"]:
            before = text[max(0, match.start() - 20) : match.start()]
            in_parens = before.rstrip().endswith("(") and text[match.end() : match.end() + 1] == ")"
            if not (_DM_CUE.search(before) or in_parens):
                continue
            fields = {"day": _int(g["d2"]), "month": _int(g["m2"])}
        elif g["y6"]:
            fields = {"year": _int(g["y6"])}
        elif g["d7"]:
            fields = {"day": _int(g["d7"])}
        elif g["wd"]:
            day_name = g["wd"].split()[-1]
            fields = {"weekday": _WEEKDAYS.get(day_name, "Chủ nhật")}
        else:
            if _TIME_DURATION_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
                continue
            minute = g["mi8"] or g["mi9"] or g["mi9b"]
            fields = {"hour": _int(g["h8"] or g["h9"]), "minute": _int(minute) if minute else None}
        fields = {k: v for k, v in fields.items() if v is not None}
        if not _valid_date(fields):
            continue
        start = match.start("wd") if g["wd"] else match.start()
        pieces.append((start, match.end(), fields))
    merged: list[tuple[int, int, dict[str, Any]]] = []
    for start, end, fields in pieces:
        if merged:
            p_start, p_end, p_fields = merged[-1]
            if _DATE_GAP.match(text[p_end:start]) and not set(p_fields) & set(fields):
                merged[-1] = (p_start, end + (1 if text[end : end + 1] == ")" else 0), {**p_fields, **fields})
                continue
        merged.append((start, end, fields))
    found = []
    for start, end, fields in merged:
        if set(fields) <= {"hour", "minute"}:
            continue  # a clock time alone says little and is often a duration
        written = text[start:end].strip(" ,()")
        ranged = _RANGE_BEFORE.search(text[max(0, start - 25) : start])
        event = None if ranged else _event_before(text, start)  # "từ ngày 24/8 đến nay" starts a period
        found.append((DateFact(text=written, **fields), (start, end), event))
    return found


def _valid_date(fields: dict[str, Any]) -> bool:
    day, month, year = fields.get("day"), fields.get("month"), fields.get("year")
    hour, minute = fields.get("hour"), fields.get("minute")
    if day is not None and not 1 <= day <= 31:
        return False
    if month is not None and not 1 <= month <= 12:
        return False
    if year is not None and not 1800 <= year <= 2100:
        return False
    if hour is not None and not 0 <= hour <= 24:
        return False
    if minute is not None and not 0 <= minute < 60:
        return False
    if day and month:
        try:
            date(year or 2000, month, day)  # 2000 is a leap year: a bare "29/2" may be a date, "31/2" not
        except ValueError:
            return False
    return True


_EVENT_RE = re.compile(r"(?i:\b(" + _alternation(_EVENT_GROUPS) + r")\b)")


def _event_before(text: str, start: int) -> str | None:
    """The event group of the nearest event verb in the 8 words before a date, if any."""
    window = text[:start]
    words = list(_WORD_RE.finditer(window))[-8:]
    if not words:
        return None
    tail = window[words[0].start() :]
    events = list(_EVENT_RE.finditer(tail))
    if not events:
        return None
    return _EVENT_GROUPS[" ".join(events[-1].group(1).lower().split())]


def _rank_dates(dates: list[tuple[DateFact, Source, int, str | None]], top: int) -> tuple[DateFact, ...]:
    bag = _Bag()
    written: dict[Any, str] = {}
    by_key: dict[Any, DateFact] = {}
    for fact, cite, order, _event in dates:
        bag.add(fact.key, cite, order)
        written.setdefault(fact.key, fact.text)
        by_key.setdefault(fact.key, fact)
    # A bare "13/9" is the story's "13/9/2023" when that is the only year given for that day.
    for key, fact in list(by_key.items()):
        if fact.year is None and fact.month:
            fuller = [
                k for k, f in by_key.items()
                if f.year and (f.day, f.month, f.hour, f.minute, f.weekday)
                == (fact.day, fact.month, fact.hour, fact.minute, fact.weekday)
            ]  # fmt: skip
            if len(fuller) == 1:
                for cite in bag.sources.pop(key):
                    bag.add(fuller[0], cite, bag.first[fuller[0]])
                bag.first[fuller[0]] = min(bag.first[fuller[0]], bag.first.pop(key))
                del by_key[key]

    def specificity(fact: DateFact) -> int:
        if fact.day and fact.month:
            return 0
        if fact.month or fact.year:
            return 1
        return 2  # a weekday or a bare "ngày 27" needs the article's date to mean anything

    keys = sorted(
        by_key,
        key=lambda k: (specificity(by_key[k]), -_article_count(tuple(bag.sources[k])), bag.first[k]),
    )
    return tuple(
        DateFact(**{**_date_fields(by_key[k]), "text": written[k], "sources": tuple(bag.sources[k])})
        for k in keys[:top]
    )


def _date_fields(fact: DateFact) -> dict[str, Any]:
    return {
        "day": fact.day, "month": fact.month, "year": fact.year, "hour": fact.hour, "minute": fact.minute,
        "weekday": fact.weekday,
    }  # fmt: skip


# --- quantities --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quantity:
    text: str
    value: float
    unit: str
    approximate: bool
    context: str  # the words right after the unit, which tell "5 người chết" from "5 người bị thương"
    tier: int  # 0: people, money, measures; 1: other things; 2: durations
    around: frozenset[str] = frozenset()  # content words just before: is it the same claim?
    names: frozenset[str] = frozenset()  # capitalized words just before: whose figure is it?
    periods: frozenset[str] = frozenset()  # "năm nay", "năm ngoái", "năm 2022" around it: of which time?


_PUNCTUATION_TO_SPACE = str.maketrans({c: " " for c in "()[]{}“”\"‘’'«»:;,"})
# Prices, rates and budgets move from day to day and abound in every story: two outlets giving different
# ones are usually quoting different days or items, not disagreeing.
# A period a figure is given for: this year's and last year's counts are two facts, not one misreported.
_PERIOD_RE = re.compile(
    r"(?i:\b(?:năm|tháng|tuần|quý|mùa|vụ|kỳ|hôm|ngày)\s+(?:nay|này|ngoái|trước|qua|sau|tới|kia|(?:19|20)\d\d)\b)"
)
_VOLATILE_UNITS = _words("%|USD|đồng|euro|EUR|yên|rúp|won|bảng|tệ|tỷ")


def parse_number(number: str, multiplier: str = "") -> float:
    """``"1,5"`` + ``"triệu"`` → 1500000.0; ``"4.000"`` → 4000.0.

    Vietnamese format: ``.`` groups thousands, ``,`` marks decimals.
    """
    value = float(number.replace(".", "").replace(",", "."))
    for word in multiplier.split():
        value *= _MULTIPLIERS[word]
    return value


def _find_quantities(text: str, masked: list[tuple[int, int]]) -> list[_Quantity]:
    found: list[_Quantity] = []
    if not _DIGIT.search(text):
        return found
    for match in _NUMBER_RE.finditer(text):
        start, end = match.span()
        if any(lo <= start < hi for lo, hi in masked):
            continue
        number = match.group("num")
        if len(number) > 1 and number.startswith("0") and not number.startswith("0,"):
            continue  # phone numbers, codes
        before = text[max(0, start - 30) : start]
        previous = before.split()[-1:] if before.endswith(" ") else []
        if previous and previous[0][:1].isupper() and previous[0].isalpha():
            continue  # part of a name: "Quận 1", "Boeing 737", "Covid 19"
        before_lower = before.lower().translate(_PUNCTUATION_TO_SPACE).rstrip()
        last_words = before_lower.split()[-2:]
        tails = [" ".join(last_words[i:]) for i in range(len(last_words))]
        if any(t in _LABEL_BEFORE for t in tails):
            continue
        if last_words[-1:] == ["năm"] and len(number) == 4:
            continue
        attached = match.group("attached")
        multiplier = " ".join(match.group("mult").split())
        rest = _WORD_RE.findall(text[end : end + 60])
        unit, context = _unit(attached, rest)
        if not unit:
            continue
        if number.isdigit() and len(number) >= 7 and not multiplier:
            continue  # a long bare digit string is an id or a phone number
        qualifier = next((t for t in tails if t in _APPROXIMATE), None)
        approximate = qualifier is not None
        written = text[start:end].strip()
        if not attached:
            written = f"{written} {unit}" if unit not in ("%",) else written + unit
        if qualifier:
            written = f"{qualifier} {written}"
        value = parse_number(number, multiplier)
        if unit == "tỷ":  # "2.000 tỷ" with the currency left implicit
            value *= 1e9
        if not math.isfinite(value):
            continue  # past 1e308 ("1 tỷ tỷ tỷ ..."): no quantity, and JSON has no Infinity
        left = _WORD_RE.findall(before)[-6:]
        around = frozenset(w.lower() for w in left if w.isalpha() and len(w) > 1 and w.lower() not in _STOP)
        names = frozenset(w for w in left[1:] if _is_name_word(w))
        nearby = f"{before} {text[end : end + 40]}"
        periods = frozenset(" ".join(m.group().lower().split()) for m in _PERIOD_RE.finditer(nearby))
        found.append(
            _Quantity(written, value, unit, approximate, context, _tier(unit), around, names, periods)
        )
    if len(found) > 1:  # "2 bàn thắng và 1 kiến tạo": another figure's noun says nothing about the claim
        units = {w for q in found for w in q.unit.split()}
        found = [replace(q, around=q.around - units) for q in found]
    return found


def _unit(attached: str | None, rest: list[str]) -> tuple[str, str]:
    """The unit or noun phrase after a number, and the context words after that."""
    if attached:
        return _UNIT_ALIASES.get(attached, attached), _context(rest)
    if not rest or (not rest[0][:1].isalpha() and rest[0] not in ("%",)):
        return "", ""
    first = rest[0]
    lowered = first.lower()
    two = " ".join(w.lower() for w in rest[:2])
    if two in _UNIT_ALIASES or two in _MEASURE_UNITS or two in _TIME_UNITS:
        unit = _UNIT_ALIASES.get(two, two)
        return unit, _context(rest[2:])
    if first in _MEASURE_UNITS or lowered in _MEASURE_UNITS:
        unit = _UNIT_ALIASES.get(lowered, first if first.isupper() else lowered)
        if unit == "độ" and rest[1:2] == ["C"]:
            return "độ C", _context(rest[2:])
        return unit, _context(rest[1:])
    if not first.islower() or lowered in _STOP - {"người", "năm", "lần"}:
        return "", ""
    if lowered in _SINGLE_NOUNS:
        return lowered, _context(rest[1:])
    words = [lowered]
    limit = 3 if lowered in _CLASSIFIERS else 2
    for word in rest[1:limit]:
        if not word.islower() or word in _STOP or not word.isalpha():
            break
        words.append(word)
    return " ".join(words), _context(rest[len(words) :])


def _context(rest: list[str]) -> str:
    words = []
    for word in rest[:2]:
        if not word.islower() or word in _STOP or not word.isalpha():
            break
        words.append(word)
    return " ".join(words)


def _tier(unit: str) -> int:
    if unit in _TIME_UNITS:
        return 2
    if unit in _PEOPLE_NOUNS or unit in _MEASURE_UNITS or unit in _UNIT_ALIASES.values() or unit == "độ C":
        return 0
    return 1


def _rank_quantities(quantities: list[tuple[_Quantity, Source, int]], top: int) -> tuple[QuantityFact, ...]:
    bag = _Bag()
    first_seen: dict[Any, _Quantity] = {}
    for quantity, cite, order in quantities:
        key = (quantity.value, quantity.unit)
        bag.add(key, cite, order)
        if key not in first_seen or (first_seen[key].approximate and not quantity.approximate):
            first_seen[key] = quantity
    keys = sorted(
        bag.first,
        key=lambda k: (first_seen[k].tier, -_article_count(tuple(bag.sources[k])), bag.first[k]),
    )
    return tuple(
        QuantityFact(
            text=first_seen[k].text,
            value=first_seen[k].value,
            unit=first_seen[k].unit,
            approximate=first_seen[k].approximate,
            sources=tuple(bag.sources[k]),
        )
        for k in keys[:top]
    )


def _number_disagreements(quantities: list[tuple[_Quantity, Source, int]]) -> list[Disagreement]:
    """Figures for the same specific thing that differ between articles (see the module docstring)."""
    by_subject: dict[str, dict[int, dict[float, list[tuple[_Quantity, Source]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    inexact: dict[str, set[int]] = defaultdict(set)
    for quantity, cite, _order in quantities:
        if quantity.tier == 2 or quantity.unit in _VOLATILE_UNITS:
            continue  # durations count from different moments ("3 năm qua", "sau 3 năm"); prices move
        specific = " " in quantity.unit or (
            quantity.unit not in _SINGLE_NOUNS and quantity.tier == 1 and len(quantity.unit) > 3
        )
        subject = quantity.unit if specific else f"{quantity.unit} {quantity.context}".strip()
        if not specific and not quantity.context:
            continue  # "5 người" alone could be anyone
        if quantity.approximate:
            inexact[subject].add(cite.doc_index)
            continue
        by_subject[subject][cite.doc_index][quantity.value].append((quantity, cite))
    found = []
    for subject, per_doc in by_subject.items():
        if len(per_doc) < 2 or inexact[subject]:
            continue  # "khoảng 180" and "186" do not disagree
        if any(len(values) != 1 for values in per_doc.values()):
            continue  # an article giving two figures is counting two things
        values = {value for values in per_doc.values() for value in values}
        if len(values) != 2 or min(values) <= 0 or max(values) / min(values) > MAX_RATIO:
            continue
        if max(values) < MIN_DISPUTED_VALUE:
            continue  # "3 bánh", "2 kỳ hạn": small counts describe, they are rarely the disputed figure
        low, high = ([m[0] for v in per_doc.values() for m in v.get(value, [])] for value in sorted(values))
        if not any(_same_claim(a, b) for a in low for b in high):
            continue  # "1 bàn thắng" of one player and "2 bàn thắng" of another: different claims
        claims = []
        for value in sorted(values):
            mentions = [m for values_of in per_doc.values() for m in values_of.get(value, [])]
            claims.append(Claim(text=mentions[0][0].text, sources=tuple(m[1] for m in mentions)))
        found.append(Disagreement(subject=subject, kind="number", claims=tuple(claims)))
    return found


def _same_claim(a: _Quantity, b: _Quantity) -> bool:
    """Whether two figures are stated about the same thing: their lead-in words overlap and they name no
    different subjects ("Vivo T2x có 3 màu sắc" vs "Asus ZenFone 9 có 4 màu sắc") or periods ("năm nay
    có 120 thí sinh" vs "năm ngoái có 100 thí sinh")."""
    if a.names and b.names and not a.names & b.names:
        return False
    if a.periods and b.periods and not a.periods & b.periods:
        return False
    return len(a.around & b.around) >= MIN_SHARED_WORDS


def _date_disagreements(dates: list[tuple[DateFact, Source, int, str | None]]) -> list[Disagreement]:
    """The same event (departure, death, arrest ...) dated differently by different articles."""
    per_event: dict[str, dict[int, dict[tuple[int, int], list[tuple[DateFact, Source]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    all_days: dict[int, set[tuple[int, int]]] = defaultdict(set)
    years: dict[tuple[int, int], set[int]] = defaultdict(set)
    for fact, cite, _order, event in dates:
        if fact.day and fact.month:
            all_days[cite.doc_index].add((fact.day, fact.month))
            if fact.year:
                years[(fact.day, fact.month)].add(fact.year)
            if event:
                per_event[event][cite.doc_index][(fact.day, fact.month)].append((fact, cite))
    found = []
    for event, per_doc in per_event.items():
        if len(per_doc) < 2 or any(len(days) != 1 for days in per_doc.values()):
            continue
        days = sorted({day for days in per_doc.values() for day in days}, key=lambda d: (d[1], d[0]))
        if len(days) != 2 or _day_gap(days[0], days[1]) > MAX_DAY_GAP:
            continue
        if any(set(days) <= mentioned for mentioned in all_days.values()):
            continue  # one article dates both days: two moments, not one event misdated
        if len(years[days[0]] | years[days[1]]) > 1:
            continue
        claims = []
        for day in days:
            mentions = [m for days_of in per_doc.values() for m in days_of.get(day, [])]
            claims.append(Claim(text=mentions[0][0].value, sources=tuple(m[1] for m in mentions)))
        found.append(Disagreement(subject=f"ngày {event}", kind="date", claims=tuple(claims)))
    return found


def _day_gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    try:
        return abs((date(2000, b[1], b[0]) - date(2000, a[1], a[0])).days)
    except ValueError:
        return 999


# --- names -------------------------------------------------------------------------------------------


class _Run:
    """A run of capitalized words in a sentence; ``before``/``after`` slice the sentence around it."""

    __slots__ = ("end", "key", "name", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end
        self.name = text[start:end]
        self.key = _name_key(self.name)

    def before(self, width: int = 80) -> str:
        return self.text[max(0, self.start - width) : self.start]

    def after(self, width: int = 100) -> str:
        return self.text[self.end : self.end + width]


def _name_key(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").replace("‘", "'").split())


_COUNTRY_KEYS = {_name_key(c) for c in _COUNTRIES}
_COUNTRY_ONLY_KEYS = _COUNTRY_KEYS - {_name_key(p) for p in _KNOWN_PLACES - _COUNTRIES}
_PLACE_KEYS = {_name_key(c) for c in _KNOWN_PLACES}
# "$" (the run's end): a run that is one known place whole ("Lào Cai") is not split at a shorter one ("Lào").
_COUNTRY_PREFIX_RE = re.compile(r"(?:" + _alternation(_KNOWN_PLACES | _KNOWN_ORGS) + r")(?:\s+(?=\S)|$)")
_NAME_SYLLABLES = _FAMILY_NAMES | _words("Hoàng|Phan|Hồ|Lý|Đinh|Đoàn|Lâm|Tô|Cao|Văn|Thị")
_NAME_BEFORE_RE = re.compile(r"(?<!\w)(?:" + _alternation(_NAME_SYLLABLES) + r") $")
_KNOWN_PLACE_RE = re.compile(r"(?<!\w)(?:" + _alternation(_KNOWN_PLACES) + r")(?!\w)")
_NAME_WORD = rf"[{_UPPER}][^\W\d_]*(?:[-'’][^\W\d_]+)*(?![\w-])"
_RUN_RE = re.compile(rf"(?=[{_UPPER}])(?<![\w-]){_NAME_WORD}(?: {_NAME_WORD})*(?P<next> [^\W\d_]+)?")
_OPENING = " “\"‘'(-–—["


def _capitalized_runs(text: str) -> list[_Run]:
    """Maximal runs of adjacent capitalized words; a country leading a run is split off
    ("Tổng thống Nga Vladimir Putin" → "Nga", "Vladimir Putin"), but not after an administrative noun,
    where it opens a Vietnamese place's own name ("huyện Đức Hòa")."""
    runs: list[_Run] = []
    opening = len(text) - len(text.lstrip(_OPENING))  # a run starting here starts the sentence
    for match in _RUN_RE.finditer(text):
        start, end = match.start(), match.end("next") if match.group("next") else match.end()
        following = match.group("next")
        if following:
            end = match.start("next")
            if following[1:] in _COMPOUND_SECOND:
                end = text.rfind(" ", start, end) if " " in text[start:end] else start  # "Bộ Quốc phòng"
        if end > start and start <= opening:
            words = text[start:end].split(" ")
            while words and words[0].lower() in _STARTERS:
                start += len(words.pop(0)) + 1  # sentence-initial capital: "Hôm", "Theo", "Ông"
        if end <= start or _abbreviated(text, start, end):
            continue
        administrative = _ADMINISTRATIVE_BEFORE_RE.search(text, max(0, start - 12), start)
        split = _COUNTRY_PREFIX_RE.match(text, start, end)
        if split and administrative and _name_key(split.group()) in _COUNTRY_ONLY_KEYS:
            split = None  # a district named like a country: "huyện Đức Hòa", "xã Mỹ Yên"
        if split and split.end() < end:
            runs.append(_Run(text, start, start + len(split.group().rstrip())))
            start = split.end()
        elif administrative:
            holder = _HOLDER_RE.search(text, start + 1, end)  # "thành phố Từ Sơn Lê Xuân Lợi"
            if holder:
                runs.append(_Run(text, start, holder.start() - 1))
                start = holder.start()
        runs.append(_Run(text, start, end))
    return runs


def _abbreviated(text: str, start: int, end: int) -> bool:
    """Whether a run is a piece of a dotted abbreviation, not a name: "TP" and "HCM" of "TP.HCM", "V" of
    "V.League", "B" of "chị N.B". A name glued to a title ("TS.Amesh Adalja") or before a missing space
    ("Hà Nội.Sáng nay") is kept: only one short or all-capital word counts."""
    word = text[start:end]
    if " " in word or not (len(word) <= 2 or word.isupper()):
        return False
    glued_after = text[end : end + 1] == "." and text[end + 1 : end + 2].isalnum()
    return glued_after or (text[start - 1 : start] == "." and text[start - 2 : start - 1].isupper())


_ADMINISTRATIVE_BEFORE_RE = re.compile(
    r"(?<!\w)(?:" + _alternation(_ADMINISTRATIVE_NOUNS) + r") $", re.IGNORECASE
)
# A common family name inside a run, after at least one word and before another: where a place named
# after an administrative noun ends and the name of its office holder begins.
_HOLDER_RE = re.compile(r"(?<= )(?:" + _alternation(_FAMILY_NAMES) + r") (?=\w)")


def _names_someone(role: str) -> bool:
    """Whether a title phrase goes on to a person's name (``Thiếu tá Nguyễn Văn Tuấn``) rather than to the
    office it heads (``Bộ trưởng Quốc phòng Nga``, ``Giám đốc Sở Y Tế``): two capitalized words right
    after the title that do not open an organization's name."""
    title = _TITLE_RE.match(role)
    rest = role[title.end() :].lstrip() if title else ""
    words = rest.split()
    given = words[:2]
    return (
        len(given) == 2
        and all(_is_name_word(w) and not w.isupper() for w in given)  # "BV Phổi", "HĐTV Tổng": offices
        and not _ORG_HEAD_RE.match(rest)
        and not _COUNTRY_PREFIX_RE.match(f"{rest} .")  # "Thủ tướng Nhật Bản", "Tổng thống Hàn Quốc"
    )


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and not any(c.isdigit() for c in word)


def _places(
    runs: list[tuple[_Run, Source, int]], people_keys: set[str]
) -> dict[str, tuple[str, dict[Source, None], int]]:
    """Names that some sentence puts after a location word (or well-known places), with every mention.

    A name the story gives a title elsewhere is a person even after "ở" ("tìm kiếm ở Putin").
    """
    evidence: dict[str, str] = {}
    for run, _cite, _order in runs:
        if run.key in evidence or (run.key in people_keys and run.key not in _PLACE_KEYS):
            continue
        before = run.before(50)
        if not before.endswith(" "):
            continue
        words = before.split()[-5:]
        lowered = [w.lower() for w in words]
        noun = next((n for n in (4, 3, 2, 1) if " ".join(lowered[-n:]) in _PLACE_NOUNS), 0)
        cue = lowered[: len(lowered) - noun]
        administrative = noun and " ".join(lowered[-noun:]) in _ADMINISTRATIVE_NOUNS  # "UBND tỉnh Nghệ An"
        if not administrative and (
            not cue or not (cue[-1] in _LOCATION_CUES or " ".join(cue[-2:]) in _LOCATION_CUES)
        ):
            continue
        acronym = any(len(w) > 1 and w.isupper() for w in run.name.split())
        if not noun and _opens_common_compound(run) and run.key not in _PLACE_KEYS:
            continue
        if run.key not in _STARTERS and not (acronym and not noun):
            evidence[run.key] = " ".join([*words[len(words) - noun :], run.name]) if noun else run.name
    for run, _cite, _order in runs:
        if run.key in _PLACE_KEYS and run.key not in evidence:
            evidence[run.key] = ""  # a known place; listed only once found after a cue
    bag = _Bag()
    for run, cite, order in runs:
        if run.key in evidence:
            bag.add(run.key, cite, order)
    return {key: (evidence[key], bag.sources[key], bag.first[key]) for key in bag.first}


def _opens_common_compound(run: _Run) -> bool:
    """A lone capitalized syllable followed by a lowercase content word starts a capitalized common
    noun ("tại Kỳ họp thứ 4", "tại Chương trình", "ở Khu vực"), not a place name; before a function
    word it is a name ("ở Huế vào", "tại Rome và")."""
    following = run.after(20).split(" ", 2)
    if " " in run.name or len(following) < 2 or following[0] != "":
        return False
    word = following[1]
    return (
        bool(_VIETNAMESE_SYLLABLE.match(run.name.lower()))  # "Rome hôm 3/8", "Geneva ngày": foreign names
        and bool(word)
        and word[0].islower()
        and word.isalpha()
        and word not in _STOP
    )


_VIETNAMESE_VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
_VIETNAMESE_SYLLABLE = re.compile(
    rf"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?[{_VIETNAMESE_VOWELS}]{{1,3}}"
    r"(?:ng|nh|ch|[cmnpt])?$"
)


def _rank_places(places: dict[str, tuple[str, dict[Source, None], int]], top: int) -> tuple[PlaceFact, ...]:
    listed = [(key, shown, sources, first) for key, (shown, sources, first) in places.items() if shown]
    # Cities and venues tell "where" better than the countries every article names.
    listed.sort(key=lambda item: (item[0] in _COUNTRY_KEYS, -_article_count(tuple(item[2])), item[3]))
    return tuple(PlaceFact(name=shown, sources=tuple(sources)) for _k, shown, sources, _f in listed[:top])


def _find_orgs(text: str) -> list[tuple[str, tuple[int, int]]]:
    found = []
    for match in _KNOWN_ORG_RE.finditer(text):
        found.append((match.group(), match.span()))
    places: list[tuple[int, int]] | None = None
    for match in _ORG_HEAD_RE.finditer(text):
        start = match.start()
        if places is None:
            places = [m.span() for m in _KNOWN_PLACE_RE.finditer(text)]
        if (
            any(lo <= start < hi for _n, (lo, hi) in found)
            or any(lo < start < hi for lo, hi in places)  # "Ban" in "Tây Ban Nha"
            or _NAME_BEFORE_RE.search(text, max(0, start - 10), start)  # "Trường" in "Nguyễn Trường Sơn"
        ):
            continue
        words = _org_words(text, match.end(), public=match.group().strip() in _PUBLIC_OFFICES)
        if any(_is_name_word(w.group()) for w in words):
            last_end = words[-1].end()
            found.append((text[match.start() : last_end], (match.start(), last_end)))
    return found


def _org_words(text: str, start: int, public: bool) -> list[re.Match[str]]:
    """The words naming an office after its head word: capitalized words and the lowercase second
    syllables of compounds ("Bộ [Kế hoạch và Đầu tư]" stops at "và"). The name ends before a person's
    name that follows it ("Bộ Y tế [Nguyễn Trường Sơn]") and after a country ("Bộ Ngoại giao Mỹ [Ned
    Price]"). Only public offices end before a family name: schools, hospitals and firms are named
    after people ("Trường THPT Lê Quý Đôn")."""
    words: list[re.Match[str]] = []
    last_end = start
    previous_capital = False
    for word in _WORD_RE.finditer(text, start):
        if text[last_end : word.start()] not in ("", " "):
            break
        token = word.group()
        if _is_name_word(token):
            names_follow = _is_name_word(text[word.end() + 1 : word.end() + 2])
            if words and ((public and token in _FAMILY_NAMES and names_follow) or _ends_with_country(words)):
                break
            previous_capital = True
        elif previous_capital and token in _ORG_SECOND and not _ends_with_country(words):
            previous_capital = False
        else:
            break
        words.append(word)
        last_end = word.end()
    return words


def _ends_with_country(words: list[re.Match[str]]) -> bool:
    """Whether the words end with a country that follows a finished compound ("Ngoại giao Mỹ"), not a
    syllable of a name ("Hồng Đức")."""
    tail = [w.group() for w in words[-4:]]
    return any(
        _name_key(" ".join(tail[-n:])) in _COUNTRY_KEYS and not _is_name_word(tail[-n - 1])
        for n in (1, 2, 3)
        if n < len(tail)
    )


@dataclass
class _Person:
    name: str
    titles: Counter[str] = field(default_factory=Counter)
    bag: _Bag = field(default_factory=_Bag)


def _people(
    runs: list[tuple[_Run, Source, int]],
    places: dict[str, tuple[str, dict[Source, None], int]],
    org_keys: set[str],
    titles: dict[int, str | None],
) -> dict[str, _Person]:
    """People: names with a title before, a role after or a speech verb after; short forms merged in."""
    people: dict[str, _Person] = {}
    for run, _cite, _order in runs:
        key = run.key
        if key in places or key in org_keys or key in _PLACE_KEYS:
            continue
        title = titles[id(run)]
        after = run.after()
        role = _ROLE_AFTER_RE.match(after)
        if role and _names_someone(role.group("role")):
            role = None  # "Yên Than, Thiếu tá Nguyễn Văn Tuấn, ...": the title belongs to the next name
        if title is None and not role and not _SPEECH_AFTER_RE.match(after):
            continue
        if any(len(w) > 1 and w.isupper() for w in run.name.split()):
            continue  # acronyms: "ICBM", "NK News"
        if _title_fragment(key) or _starts_like_office(key) or _PARTY_COMMITTEE_RE.match(after):
            continue  # "Tổng Bí" (thư), "Phó Chủ" (tịch), "Ủy Ban", "Tỉnh" (ủy)
        if len(key.split()) == 1 and ((title is None and not role) or key in _STARTERS):
            continue  # "Nga cho biết", "Người đứng đầu Bộ": a one-word name needs a title and no doubt
        person = people.setdefault(key, _Person(name=run.name))
        if title:
            person.titles[title] += 1
        if role:
            person.titles[_trim_role(role.group("role"))] += 1
    # Short forms ("Putin", "ông Kim") belong to the one full name they start or end.
    full_mentions = Counter(run.key for run, _cite, _order in runs if run.key in people and " " in run.key)
    alias: dict[str, str] = {}
    for short in {run.key for run, _cite, _order in runs if " " not in run.key}:
        owner = _owner(short, full_mentions)
        if owner:
            alias[short] = owner
    for key, owner in alias.items():
        if key in people:
            people[owner].titles.update(people.pop(key).titles)
    for run, cite, order in runs:
        key = alias.get(run.key, run.key)
        if key in people:
            people[key].bag.add(key, cite, order)
    return {k: p for k, p in people.items() if p.bag.first}


_ORG_HEAD_KEYS = {_name_key(h) for h in _ORG_HEADS}
_LONG_ORG_HEAD_KEYS = tuple(f"{k} " for k in _ORG_HEAD_KEYS if " " in k)


def _starts_like_office(key: str) -> bool:
    """An office's head word, alone or opening the run ("Ủy Ban Kiểm" tra); one-syllable heads only
    alone, since "Ban Ki-moon" is a name."""
    return key in _ORG_HEAD_KEYS or key.startswith(_LONG_ORG_HEAD_KEYS)

_TITLE_OPENERS = _words("phó|tổng|chủ|thủ|bộ|giám|chánh|thứ|bí|cựu|nguyên|trưởng")
_PARTY_COMMITTEE_RE = re.compile(r"\s+(?:ủy|uỷ)\b")
_OFFICE_SYLLABLES = _TITLE_OPENERS | {w for t in _PERSON_TITLES - _PRONOUN_TITLES for w in t.split()}


def _title_fragment(key: str) -> bool:
    """Whether a capitalized run is only the syllables of a title ("tổng bí"), not a name. Given names
    made of such syllables ("Anh Thư") do not start like a title, so they stay."""
    words = key.split()
    return words[0] in _TITLE_OPENERS and all(w in _OFFICE_SYLLABLES for w in words)


def _owner(short: str, full_mentions: Counter[str]) -> str | None:
    """The full name a one-word name stands for: the only one it starts or ends, or by far the most named
    ("Kim" → "Kim Jong-un" when "Kim Myong Sik" is named once)."""
    owners = sorted(
        ((n, f) for f, n in full_mentions.items() if f.split()[0] == short or f.split()[-1] == short),
        reverse=True,
    )
    if len(owners) == 1 or (len(owners) > 1 and owners[0][0] >= 3 * owners[1][0]):
        return owners[0][1]
    return None


_SPEECH_IN_ROLE_RE = re.compile(r"\s(?:" + _alternation(_SPEECH_VERBS) + r")\b.*$")


def _trim_role(role: str) -> str:
    """``nhà nghiên cứu tại Đại học Tokyo nói với NK News`` → ``nhà nghiên cứu tại Đại học Tokyo``."""
    role = _SPEECH_IN_ROLE_RE.sub("", role).strip()
    words = role.split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


_TITLE_WORDS = frozenset(w for title in _PERSON_TITLES for w in title.split())
_TITLE_LENGTHS = sorted({len(t.split()) for t in _PERSON_TITLES}, reverse=True)
# "Bí thư Tỉnh ủy Bình Dương": the place after a party committee does not carry the title.
_BETWEEN_OK = (_ORG_SECOND | _COMPOUND_SECOND) - {"ủy", "uỷ"}


def _title_before(before: str) -> str | None:
    """The title phrase just before a name (``Bộ trưởng Quốc phòng Nga``), ``""`` for ông/bà, else None.

    Words between the title and the name may only be the capitalized qualifiers of the title
    (``Quốc phòng Nga``): in "Ông Kim đến Vladivostok" the title belongs to someone else.
    """
    tail = before[-70:]
    previous = tail.rstrip(" ,").rsplit(" ", 1)[-1]
    if not (previous.lower() in _TITLE_WORDS or _is_name_word(previous) or previous in _BETWEEN_OK):
        return None  # the common case, decided without tokenizing
    words = list(_WORD_RE.finditer(tail))[-9:]
    lowered = [w.group().lower() for w in words]
    found = None
    for last in range(len(words) - 1, -1, -1):
        if lowered[last] in _TITLE_WORDS:
            for length in _TITLE_LENGTHS:
                first = last - length + 1
                if first >= 0 and " ".join(lowered[first : last + 1]) in _PERSON_TITLES:
                    found = (first, last)
                    break
            if found:
                break
        word = words[last].group()
        if not (_is_name_word(word) or word in _BETWEEN_OK):
            return None
    if found is None:
        return None
    first, last = found
    between = tail[words[last].end() :]
    if re.search(r"[.;:!?“”\"()]", between) or between.count(",") > 1:
        return None
    if first > 0 and lowered[first - 1] in ("cựu", "phó", "nguyên"):
        first -= 1
    if first > 0 and lowered[first - 1] == "của":
        return None  # "cố vấn của tổng thống Mỹ, Jake Sullivan": the president is not Sullivan
    match = words[first]
    phrase = tail[match.start() :].strip(" ,")
    if phrase.lower() in _PRONOUN_TITLES:
        return ""
    if _names_someone(phrase):
        return None  # "Thiếu tá Nguyễn Văn Tuấn, Trưởng Công an xã Yên Than": the title is Tuấn's
    return phrase[:1].upper() + phrase[1:]


def _rank_who(
    people: dict[str, _Person], orgs: _Bag, org_names: dict[str, str], top: int
) -> tuple[EntityFact, ...]:
    entries: list[tuple[int, int, int, EntityFact]] = []
    for key, person in people.items():
        titles = [(n, t) for t, n in person.titles.items() if t]
        title = max(titles, key=lambda item: item[0])[1] if titles else None
        sources = tuple(person.bag.sources[key])
        fact = EntityFact(name=person.name, kind="person", title=title, sources=sources)
        entries.append((-fact.articles, -len(sources), person.bag.first[key], fact))
    for key, sources_list in orgs.sources.items():
        sources = tuple(sources_list)
        fact = EntityFact(name=org_names[key], kind="organization", sources=sources)
        entries.append((-fact.articles, -len(sources), orgs.first[key], fact))
    entries.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in entries[:top])


# --- quotes ------------------------------------------------------------------------------------------


def _quotes(
    candidates: list[tuple[str, int, int, Sentence, int]],
    people: dict[str, _Person],
    source: Any,
    top: int,
) -> tuple[QuoteFact, ...]:
    """Quoted words whose sentence names the speaker ("X cho biết: “…”" or "“…”, X nói")."""
    found: list[tuple[int, int, QuoteFact]] = []
    seen: set[str] = set()
    rank = {k: (-_article_count(tuple(p.bag.sources[k])), -len(p.bag.sources[k])) for k, p in people.items()}
    mentions = Counter({k: len(p.bag.sources[k]) for k, p in people.items()})

    def resolve(key: str) -> str | None:
        return key if key in people else _owner(key, mentions)

    def holder_of(clause: str) -> str | None:
        """The one person whose title ends ``clause``: "Giám đốc Cảng vụ Kiên Giang nói" → that director."""
        tail = clause.rstrip(" ,").lower()
        holders = {
            key
            for key, person in people.items()
            for title in person.titles
            if len(title.split()) >= 3 and tail.endswith(title.lower())
        }
        return holders.pop() if len(holders) == 1 else None

    for quoted, start, end, sentence, order in candidates:
        words = _WORD_RE.findall(quoted)
        if len(words) < MIN_QUOTE_SYLLABLES:
            continue
        text = sentence.text
        speaker = None
        verb = _SPEAKER_BEFORE_RE.search(text[:start])
        if verb:
            clause = text[: verb.start()]
            speaker = _speaker_in(clause, resolve)
            holder = holder_of(clause)
            if holder and (speaker is None or not resolve(_name_key(speaker))):
                speaker = people[holder].name  # "Tổng Bí thư nói": the one person with that title
        if speaker is None:
            after = _SPEAKER_AFTER_RE.match(text[end:])
            if after:
                speaker = _speaker_in(after.group("who"), resolve)
        if speaker is None:
            continue
        normalized = " ".join(quoted.split()).strip(" ,")
        owner = resolve(_name_key(speaker))
        if owner:
            speaker = people[owner].name
        if normalized in seen or speaker in seen:
            continue  # one quote per speaker keeps the list a glance
        seen.update((normalized, speaker))
        score = rank.get(owner, (0, 0)) if owner else (0, 0)
        found.append((score[0], order, QuoteFact(text=normalized, speaker=speaker, source=source(sentence))))
    found.sort(key=lambda item: item[:2])
    return tuple(item[2] for item in found[:top])


def _speaker_in(clause: str, resolve: Any) -> str | None:
    """The speaker in ``clause`` (the words before a speech verb): the last person named in it, or a
    two-word name ending it ("…”, Kimmage nói" needs Kimmage to be a known person). Names inside an
    organization's name ("Cảng vụ Kiên Giang") are not speakers."""
    orgs = [span for _name, span in _find_orgs(clause)]
    runs = [run for run in _capitalized_runs(clause) if not any(lo <= run.start < hi for lo, hi in orgs)]
    for run in reversed(runs):
        if resolve(run.key):
            return run.name
    if not runs:
        return None
    run = runs[-1]
    trailing = clause[run.end :]
    if len(_WORD_RE.findall(trailing)) > 3 or "," in trailing.strip().rstrip(",") or " " not in run.key:
        return None
    if run.key in _PLACE_KEYS or any(len(w) > 1 and w.isupper() for w in run.name.split()):
        return None
    return run.name
