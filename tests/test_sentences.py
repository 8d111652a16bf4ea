import pytest

from tomtat.sentences import (
    infer_title,
    introduces,
    leads_on,
    refers_back,
    segment,
    segment_article,
    short_name,
    split_line,
    split_sentences,
)
from tomtat.types import Article, SentenceKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hỏi gì? Trả lời! Xong.", ["Hỏi gì?", "Trả lời!", "Xong."]),
        (
            "Ông nói: “Tôi đi. Anh ở lại”. Sau đó ông về.",
            ["Ông nói: “Tôi đi. Anh ở lại”.", "Sau đó ông về."],
        ),
        ("Ông nói ‘mọi vấn đề. Thật’ và đi. Câu mới.", ["Ông nói ‘mọi vấn đề. Thật’ và đi.", "Câu mới."]),
        ('Bà nói "Xong. Về thôi" rồi đi. Hết.', ['Bà nói "Xong. Về thôi" rồi đi.', "Hết."]),
        (
            "TP. Hồ Chí Minh có 9 triệu dân. PGS. TS. Nguyễn Văn A đến.",
            ["TP. Hồ Chí Minh có 9 triệu dân.", "PGS. TS. Nguyễn Văn A đến."],
        ),
        ("Ông B. cho biết như vậy. Bà C. đồng ý.", ["Ông B. cho biết như vậy.", "Bà C. đồng ý."]),
        (  # a name given as initials, then the age
            "Hải và O.C.Đ. (26 tuổi) đến quán. Tài xế Tr.V.X. (nhà ở Đông Triều) trình bày. Xong.",
            ["Hải và O.C.Đ. (26 tuổi) đến quán.", "Tài xế Tr.V.X. (nhà ở Đông Triều) trình bày.", "Xong."],
        ),
        ("Ông làm việc tại Mỹ. (Theo AP)", ["Ông làm việc tại Mỹ.", "(Theo AP)"]),
        (
            "Giá 1,5 triệu đồng cho 4.000 người. Ngày 13/9/2023 họ đến.",
            ["Giá 1,5 triệu đồng cho 4.000 người.", "Ngày 13/9/2023 họ đến."],
        ),
        ("Xem tại vnexpress.net/tin-moi.html. Xong.", ["Xem tại vnexpress.net/tin-moi.html.", "Xong."]),
        ("Anh ấy nói… rồi đi. Mọi người… Họ về.", ["Anh ấy nói… rồi đi.", "Mọi người…", "Họ về."]),
        ("Câu cuối không có dấu chấm", ["Câu cuối không có dấu chấm"]),
        ("", []),
    ],
)
def test_split_line(text, expected):
    assert split_line(text) == expected


def test_an_unclosed_quote_does_not_swallow_the_paragraph():
    assert split_line("“Kim có thể đặt giá cao. Chúng tôi không biết. Thật vậy.") == [
        "“Kim có thể đặt giá cao.",
        "Chúng tôi không biết.",
        "Thật vậy.",
    ]


def test_every_line_is_a_boundary():
    assert split_sentences("Tiêu đề không dấu\nCâu một. Câu hai.\nTác giả: A") == [
        "Tiêu đề không dấu",
        "Câu một.",
        "Câu hai.",
        "Tác giả: A",
    ]


def test_text_without_line_breaks_is_still_split():
    text = " ".join(f"Đây là câu số {i} của bài báo." for i in range(50))
    assert len(split_sentences(text)) == 50


def test_splitting_a_huge_paragraph_is_linear():
    import time

    line = "Câu “một. hai” ba. " * 100_000
    started = time.perf_counter()
    assert len(split_line(line)) == 100_000
    assert time.perf_counter() - started < 10  # quadratic splitting would take minutes


def kinds(text: str, **fields) -> list[tuple[str, SentenceKind]]:
    return [(s.text, s.kind) for s in segment_article(Article(text=text, **fields), doc=0)]


def test_noise_is_marked_but_keeps_its_index():
    text = (
        "Tiêu đề bài báo\n"
        "Câu mở đầu của bài viết. Câu thứ hai.\n"
        "0\n486\n"
        "Một mục nhỏ\n"
        "Nội dung tiếp theo của bài.\n"
        "Ảnh minh họa: Nguyễn Văn A\n"
        "Tác giả: Joanna Zajchowska\n"
        "Việt Linh (Theo Asia Times)"
    )
    sentences = segment_article(Article(text=text), doc=3)
    assert [s.index for s in sentences] == list(range(len(sentences)))
    assert all(s.doc == 3 for s in sentences)
    content = [s.text for s in sentences if not s.is_noise]
    assert content == ["Câu mở đầu của bài viết.", "Câu thứ hai.", "Nội dung tiếp theo của bài."]
    assert [s.position for s in sentences if not s.is_noise] == [0, 1, 2]


def test_caption_paragraph_and_inline_photo_credit():
    result = kinds(
        "Ông Putin và ông Kim tại sân bay. (Ảnh: AFP/Getty Images)\n"
        "Hai nhà lãnh đạo hội đàm (Ảnh: TTXVN) trong nhiều giờ."
    )
    assert result[0][1] is SentenceKind.NOISE and result[1][1] is SentenceKind.NOISE
    assert result[2] == ("Hai nhà lãnh đạo hội đàm trong nhiều giờ.", SentenceKind.LEAD)


def test_a_paragraph_ending_with_a_credit_outside_parentheses_is_a_caption():
    result = kinds(
        "Cháy rừng lan rộng ở Hy Lạp, hàng nghìn người phải sơ tán.\n"
        "Một lính cứu hỏa dập lửa ở Pallini, gần Athens, Hy Lạp. Ảnh: Reuters\n"
        "Tên lửa SLS trong một cuộc thử nghiệm vào tháng 6.2022 - Ảnh: NASA\n"
        "Ảnh hưởng của nắng nóng: mất mùa, thiếu nước."
    )
    assert [kind for _, kind in result] == [
        SentenceKind.LEAD, SentenceKind.NOISE, SentenceKind.NOISE, SentenceKind.NOISE, SentenceKind.BODY
    ]


def test_labels_without_final_punctuation_are_headings():
    result = kinds(
        "Cúm A lây lan nhanh trong mùa mưa.\n"
        "2. Các triệu chứng cúm A\n"
        "Ông Nguyễn Văn Hải (Phó Tổng cục trưởng Tổng cục Thống kê)\n"
        "Manchester United: Bruno Fernandes (55’)\n"
        "Tốc độ tăng IIP của một số ngành công nghiệp trọng điểm (%) (Nguồn ảnh: Lao động)\n"
        "Người bệnh cần nghỉ ngơi (ít nhất 5 ngày).\n"
        "1. Ông Hải nói rằng dịch sẽ còn kéo dài."
    )
    assert [kind for _, kind in result] == [SentenceKind.LEAD] + [SentenceKind.NOISE] * 5 + [
        SentenceKind.BODY, SentenceKind.NOISE, SentenceKind.BODY
    ]


def test_a_numbered_reference_is_noise_and_a_numbered_note_is_not():
    result = kinds(
        "Đảng viên trẻ tăng nhanh trong năm 2021.\n"
        "(6) Đảng Cộng sản Việt Nam, Văn kiện Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII, "
        "Nxb Chính trị quốc gia Sự thật, Hà Nội, 2022, tr.35.\n"
        "(1) Công dân đã được cấp hộ chiếu mẫu cũ sẽ tiếp tục sử dụng đến hết thời hạn ghi trong hộ chiếu."
    )
    assert result[0][1] is SentenceKind.LEAD and result[-1][1] is SentenceKind.BODY
    assert all(kind is SentenceKind.NOISE for _, kind in result[1:-1])


def test_dateline_prefix_is_removed_from_the_first_sentence():
    result = kinds("QUỐC TẾ - Hôm 13/9, hai nhà lãnh đạo đã gặp nhau tại Nga.\n(Dân trí) - Câu sau.")
    assert result[0][0] == "Hôm 13/9, hai nhà lãnh đạo đã gặp nhau tại Nga."


def test_lead_comes_first_and_marks_lead_sentences():
    sentences = segment_article(Article(text="Thân bài một. Thân bài hai.", lead="Sapo của bài."), doc=0)
    assert [(s.text, s.kind) for s in sentences] == [
        ("Sapo của bài.", SentenceKind.LEAD),
        ("Thân bài một.", SentenceKind.BODY),
        ("Thân bài hai.", SentenceKind.BODY),
    ]


def test_without_lead_the_first_content_paragraph_is_the_lead():
    result = kinds("Tiêu đề\nĐoạn đầu tiên. Câu nữa.\nĐoạn hai.")
    assert [k for _, k in result] == [
        SentenceKind.NOISE,
        SentenceKind.LEAD,
        SentenceKind.LEAD,
        SentenceKind.BODY,
    ]


def test_segment_numbers_documents_in_order():
    story = segment([Article(text="Bài một có câu."), Article(text="Bài hai có câu.")])
    assert [s.doc for s in story.sentences] == [0, 1]
    assert story.of_doc(1)[0].text == "Bài hai có câu."


def test_infer_title():
    assert infer_title("Khánh thành cầu mới\nNội dung bài.") == "Khánh thành cầu mới"
    assert infer_title("Câu có dấu chấm.\nNội dung.") == ""
    assert infer_title("Chỉ một dòng") == ""
    assert infer_title("Tác giả: Lê Thu\nNội dung.") == ""


def test_real_article_noise_never_becomes_content(kim_putin_dir):
    noise_lines = {
        "0",
        "486",
        "Tác giả: Joanna Zajchowska",
        "Việt Linh (Theo Asia Times)",
        "(Theo ntdvn.net - Lam Giang tổng hợp)",
        "Lịch sử quan hệ giữa Triều Tiên và Nga",
        "3 lý do khiến ông Putin và Kim Jong-un gặp mặt",
    }
    content = set()
    for path in sorted(kim_putin_dir.glob("*.txt")):
        content |= {s.text for s in segment_article(Article(text=path.read_text()), 0) if not s.is_noise}
    assert not noise_lines & content
    assert not any("(Ảnh:" in text for text in content)


def test_truncate_keeps_an_equal_share_of_leading_sentences_and_their_indices():
    from tomtat.sentences import truncate

    long_article = Article(text="\n".join(f"Câu số {i} của bài dài." for i in range(100)))
    short_article = Article(text="Câu một. Câu hai.")
    story = segment([long_article, short_article])
    kept = truncate(story, max_sentences=40)
    assert [s.index for s in kept.of_doc(0)] == list(range(20))
    assert len(kept.of_doc(1)) == 2
    assert truncate(story, max_sentences=1000) is story


def test_a_body_without_line_breaks_has_a_short_implicit_lead():
    text = " ".join(f"Đây là câu số {i} của bài báo." for i in range(10))
    kinds_found = [s.kind for s in segment_article(Article(text=text), doc=0)]
    assert kinds_found == [SentenceKind.LEAD] * 3 + [SentenceKind.BODY] * 7


def test_lowercase_after_a_full_stop_continues_the_sentence():
    assert split_line("Do thiên tai, bão lụt…. có thể gây khó khăn. iOS 16 ra mắt.") == [
        "Do thiên tai, bão lụt…. có thể gây khó khăn.",
        "iOS 16 ra mắt.",
    ]
    assert split_line("Tài xế Tr.V.X. không ký biên bản.") == ["Tài xế Tr.V.X. không ký biên bản."]


def test_a_quoted_paragraph_is_split_like_any_text():
    quote = " ".join(f"Đây là câu trích dẫn dài số {i} của người phát ngôn." for i in range(12))
    assert len(split_line(f"Ông nói: “{quote}” Sau đó ông về.")) > 10


@pytest.mark.parametrize(
    "sentence",
    [
        "Điều này cho thấy giá xăng còn tăng.",
        "Ông cũng cho biết cầu sẽ thông xe sớm.",
        "“Đây là lần đầu tiên”, bà nói.",
        "Động thái này khiến thị trường lo ngại.",
        "Triều Tiên có thể giúp ích cho mục tiêu này.",
        "Các số liệu nói trên chưa được công bố.",
        "Họ đã rời Hà Nội hôm qua.",
        "- Thứ ba, cả hai nước đều coi Mỹ là đối thủ.",  # the third item of a list
        "Đây chỉ là 2 trong số các mô hình đang được triển khai.",
        "Hai khoản cộng lại là gần 1 tỉ đồng”.",  # the end of a quotation opened before
        "b) Được yêu cầu công ty xổ số kiến thiết giữ bí mật về thông tin trúng thưởng;",  # list items
        "- Sổ hộ khẩu hoặc Sổ tạm trú được chụp từ bản chính;",
    ],
)
def test_a_sentence_that_leans_on_the_one_before_refers_back(sentence):
    assert refers_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ông Kim Jong-un tới Nga hôm 10/9.",  # a title and a name, not a pronoun
        "Tuần này giá vàng tăng mạnh.",  # a demonstrative of time
        "Bộ trưởng Y tế Thái Lan nói nước này sẽ mở cửa.",  # its referent is in the sentence
        "Theo ông Nguyễn Văn A, giá sẽ giảm.",
        "Anh sẽ viện trợ thêm vũ khí cho Ukraine.",  # the country
        "Theo đó, mỗi lít xăng giảm 500 đồng.",  # a connective: it reads on its own
        "Giá xăng giảm 500 đồng mỗi lít từ chiều nay.",
        "Đông Anh có mưa lớn chiều nay.",
        "Thứ Ba tuần trước, giá xăng giảm 500 đồng.",  # a weekday, not a list item
        "Ông Nguyễn Văn A nói: “Chúng tôi đã sẵn sàng”.",  # a quotation opened and closed
    ],
)
def test_a_sentence_that_stands_alone_does_not_refer_back(sentence):
    assert not refers_back(sentence)


def test_a_multi_megabyte_article_on_one_line_segments_in_linear_time():
    # Scraped pages often arrive as one line; each sentence used to rescan the whole line for a photo
    # credit, so 2 MB took about a minute and 10 MB hours.
    import time

    pair = "Hà Nội đưa thêm xe buýt điện vào khai thác trên tuyến mới. Chi phí khoảng 1.500 tỷ đồng. "
    for start in ("", "(1) "):  # and for a numbered reference, once for each sentence
        line = start + pair * 22_000
        started = time.perf_counter()
        sentences = segment([Article(text=line)]).sentences
        assert time.perf_counter() - started < 10
        assert len(sentences) == 44_000


def test_a_sentence_that_opens_what_a_later_one_completes_leads_on():
    assert leads_on("Ông nói: “Tất nhiên mọi thứ đã thay đổi.")
    assert leads_on("Một số bình luận của khán giả:")
    assert not leads_on("Ông nói: “Tất nhiên mọi thứ đã thay đổi”.")
    assert not leads_on("Hai khoản cộng lại là gần 1 tỉ đồng”.")


def test_a_bullet_glued_to_the_end_of_a_sentence_is_dropped():
    result = kinds("Nhà đầu tư có rủi ro khi doanh nghiệp không trả được nợ gốc, lãi trái phiếu.•")
    assert result[0][0] == "Nhà đầu tư có rủi ro khi doanh nghiệp không trả được nợ gốc, lãi trái phiếu."


def test_a_short_name_is_placed_only_by_a_longer_one():
    assert short_name("Ông Scholz nhắc lại quan điểm của Mỹ.") == "Scholz"
    assert short_name("Bà Blackburn, một đảng viên Cộng hòa, đã tới Đài Bắc.") == "Blackburn"
    assert short_name("Ông Olaf Scholz nhắc lại quan điểm của Mỹ.") is None
    assert short_name("Ông cũng nói thêm.") is None
    assert short_name("Theo ông Scholz, Đức sẽ không cung cấp loại vũ khí này.") == "Scholz"
    assert short_name("Theo ông Nguyễn Văn A, giá sẽ giảm.") is None
    assert short_name("Hai công ty không giảm trừ thời gian đóng BHXH của bà Thủy.") == "Thủy"
    assert short_name("Ông Olaf Scholz đã gặp bà Merkel.") == "Merkel"
    assert short_name("Tỉnh Bà Rịa - Vũng Tàu có mưa lớn.") is None  # a place, not "bà Rịa"
    assert short_name("Công an đã tìm thấy thi thể ông D. sau 3 ngày.") is None  # initials: a name withheld
    assert introduces("Thủ tướng Đức Olaf Scholz cho biết.", "Scholz")
    assert introduces("Giáo sư Yang Moo-jin nói với NK News.", "Yang")
    assert not introduces("Ông Scholz nói thêm.", "Scholz")
