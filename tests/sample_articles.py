"""Two short articles (written for the tests) about one story, shared by the service test files."""

ARTICLE_A = """Hà Nội công bố kế hoạch mở rộng mạng lưới xe buýt điện trong năm tới.
Theo Sở Giao thông vận tải, thành phố sẽ đưa thêm 300 xe buýt điện vào khai thác trên 20 tuyến mới.
Chi phí đầu tư dự kiến khoảng 1.500 tỷ đồng, chủ yếu từ nguồn xã hội hóa.
Các tuyến mới sẽ kết nối nội đô với các khu đô thị ở phía tây và phía nam thành phố.
Người dân được miễn phí vé trong tháng đầu tiên vận hành."""

ARTICLE_B = """Thành phố Hà Nội sẽ có thêm 300 xe buýt điện trên 20 tuyến mới từ năm sau.
Ông Nguyễn Văn A, Giám đốc Sở Giao thông vận tải, cho biết các tuyến ưu tiên khu vực đông dân cư.
Việc chuyển đổi sang xe điện nhằm giảm ô nhiễm không khí, vấn đề nhức nhối của thủ đô nhiều năm qua.
Dự kiến đến năm 2030, toàn bộ xe buýt của thành phố sẽ dùng năng lượng sạch."""
