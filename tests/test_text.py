import re
import time
import unicodedata

import pytest

from tomtat import text as text_module
from tomtat.errors import InputError
from tomtat.text import count_syllables, decode, match_tokens, normalize, strip_html, tokens


def test_normalize_turns_nfd_into_nfc():
    nfd = unicodedata.normalize("NFD", "Tiếng Việt có dấu")
    assert nfd != "Tiếng Việt có dấu"
    assert normalize(nfd) == "Tiếng Việt có dấu"


def test_normalize_keeps_paragraphs_and_tidies_spaces():
    assert normalize("  Dòng  một\u00a0 \r\n\r\nDòng\thai \u200b ") == "Dòng một\n\nDòng hai"


@pytest.mark.parametrize("brk", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"])
def test_line_break_controls_break_lines_instead_of_gluing_words(brk):
    # Vertical tab (a soft line break from Word and PowerPoint), form feed (a page break from pdftotext)
    # and the other line boundaries of str.splitlines were deleted as control characters: "Nội\vmở"
    # became the one syllable "nộimở", and "sau.\fChi" one sentence.
    text = normalize(f"Hà Nội{brk}mở rộng xe buýt.{brk}Chi phí lớn.")
    assert text == "Hà Nội\nmở rộng xe buýt.\nChi phí lớn."


def test_normalize_removes_html_junk():
    html = "<div><p>Câu một &amp; hai.</p><script>var x = 1;</script><p>Câu ba.</p></div>"
    assert normalize(html) == "Câu một & hai.\n\nCâu ba."


def test_strip_html_drops_comments_and_styles():
    assert "color" not in strip_html("<style>p {color: red}</style><!-- ẩn -->Nội dung")
    assert strip_html("<b>đậm</b>").strip() == "đậm"


@pytest.mark.parametrize("opener", ["<!--x", "<script>x", "<STYLE a=1>x", "<noscript", "<script<style>"])
def test_unclosed_comments_and_scripts_take_linear_time(opener):
    # <!--.*?--> and <script...>.*?</script> scanned to the end of the text from every opener without a
    # closer: 200 KB of "<!--x" took 90 s in one regex call, the GIL held (the whole service frozen).
    text = "Tin chính. " + opener * 10_000 + " Hết."
    started = time.perf_counter()
    strip_html(text)
    assert time.perf_counter() - started < 1.0


# The regexes strip_html used, quadratic on unclosed openers: on everything else its answer must not move.
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK = re.compile(r"<\s*(script|style|noscript)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize(
    "html",
    [
        "a<!-- b -->c<!--d-->e<!---->f<!-->g-->h<!--->i",
        "a<!-- b --> c <!-- no end",
        "<!-- <script> -->x</script>y",
        "<script>a<!--</script>-->b",
        '<script type="text/javascript">var a = "<p>";</script>x<style>p{}</style>y',
        "<SCRIPT>a</script>b<Style >c</STYLE >d< script>e</ script>f<noscript>g</noscript>h",
        "<style>a</script>b</style>c<script>d",
        "<style>unclosed<script>x</script>y",
        "<scripts>a</scripts>b<script\n>c</script\t>d<script/>e</script>",
        "<script src='a>b'>c</script>d<script>",
        "<style a=1",
        "<noscript><script>x</script></noscript>y",
        "< <script> < / script >z",
    ],
)
def test_comments_and_scripts_go_as_the_regexes_removed_them(html):
    without_comments = _COMMENT.sub(" ", html)
    assert text_module._without_comments(html) == without_comments
    assert text_module._without_blocks(without_comments) == _BLOCK.sub(" ", without_comments)


def test_text_with_angle_brackets_that_is_not_html_is_kept():
    assert normalize("Nhiệt độ < 5 độ và > 0 độ.") == "Nhiệt độ < 5 độ và > 0 độ."


def test_tokens_keep_vietnamese_letters_and_numbers():
    assert tokens("Ông Nguyễn Văn Ánh nhận 1,5 triệu đồng") == [
        "ông",
        "nguyễn",
        "văn",
        "ánh",
        "nhận",
        "1",
        "5",
        "triệu",
        "đồng",
    ]


def test_match_tokens_fold_old_and_new_tone_placement():
    assert match_tokens("Hòa bình thủy lợi") == match_tokens("Hoà bình thuỷ lợi")
    assert match_tokens("hoàn thành quý") == ["hoàn", "thành", "quý"]


def test_count_syllables_matches_metric_tokens():
    text = "Ngày 13/9/2023, ông Kim đến Nga."
    assert count_syllables(text) == len(tokens(text)) == 8


def test_count_syllables_is_the_metric_length_even_where_lowercasing_adds_a_mark():
    # "İ".lower() is "i" + U+0307 (not a word character): the metric sees "i", "stanbul", two tokens, so the
    # budget must count two as well, or a summary "within" the budget can be longer than it in ROUGE tokens.
    for text in ("İstanbul", "Ông Erdoğan ở İzmir.", unicodedata.normalize("NFD", "Hà Nội")):
        assert count_syllables(text) == len(tokens(text))


def test_decode_accepts_utf8_with_and_without_bom_and_utf16():
    assert decode("Việt".encode()) == "Việt"
    assert decode(b"\xef\xbb\xbf" + "Việt".encode()) == "Việt"
    assert decode("Việt".encode("utf-16")) == "Việt"


def test_decode_rejects_binary_with_the_file_name():
    with pytest.raises(InputError, match=r"photo\.jpg: looks like binary"):
        decode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg")


def test_decode_rejects_legacy_encoding_and_suggests_iconv():
    with pytest.raises(InputError, match=r"old\.txt: not valid UTF-8.*iconv"):
        decode(b"Vi\xeat Nam \xd2\xde", "old.txt")  # Windows-1258 bytes


def test_normalize_drops_lone_surrogates():
    # JSON escapes such as "\ud83d" (half an emoji, cut by a scraper) decode to lone surrogates, which
    # no UTF-8 output can encode; they carry no text, so they go like control characters do.
    text = normalize("Hà Nội\ud83d mở rộng\udc00 xe buýt.")
    assert text == "Hà Nội mở rộng xe buýt."
    assert normalize("Cười 😀 nhé.") == "Cười 😀 nhé."  # a whole pair is a real character


@pytest.mark.parametrize(
    ("junk", "clean"),
    [
        # A feed that escaped its HTML once: the tags come back with the entities and must go too.
        ("&lt;p&gt;Nội dung.&lt;/p&gt;&lt;p&gt;Đoạn sau.&lt;/p&gt;", "Nội dung.\n\nĐoạn sau."),
        ("Nội dung <!-- quảng cáo --> tiếp.", "Nội dung tiếp."),  # a comment, no tag around it
        ("<![CDATA[<p>Nội dung trong CDATA.</p>]]>", "Nội dung trong CDATA."),
        ("<![CDATA[Tin vắn.]]>", "Tin vắn."),
        ("<!DOCTYPE html><html><body><p>Xin chào.</p></body></html>", "Xin chào."),
        ('<?xml version="1.0"?><p>Xin chào.</p>', "Xin chào."),
        ('<a href="/x" title="a>b">Liên kết</a> còn lại.', "Liên kết còn lại."),  # '>' inside quotes
    ],
)
def test_normalize_removes_html_that_slipped_through(junk, clean):
    assert normalize(junk) == clean


def test_escaped_angle_brackets_in_plain_text_are_kept():
    assert normalize("Nhiệt độ &lt; 5 độ và &gt; 0 độ.") == "Nhiệt độ < 5 độ và > 0 độ."


def test_invisible_format_characters_do_not_split_syllables():
    # &shy; (soft hyphen), &lrm;/&rlm; and the word joiner are invisible, yet cut "người" in two tokens.
    for junk in ("ng&shy;ười", "ng\xadười", "ng&lrm;ười", "ng\u200fười", "ng\u2060ười", "ng\u202aười\u202c"):
        assert normalize(junk) == "người"
