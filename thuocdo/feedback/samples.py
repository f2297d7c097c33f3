"""Realistic sample submissions, with the unit a competent operator would give each.

`sample_items(n, seed)` composes Vietnamese items from templates and phrase pools for
every subject in data/topics.toml, placed in real provinces and communes (and sometimes
in a pre-2025 district, "huyện Ba Vì", as people still write), with invented contacts.
The same seed on the same units gives the same items.

Each item carries the topic the *submitter chose* (`topic_code`) and the subject it is
really about (`subject_code`): most people choose right, some choose "Lĩnh vực khác",
some choose a neighbouring topic. `expected_unit_code` is the label: the unit the
Standing Office would choose, derived from the *subject*'s default body and handling
level and the place (docs/decisions/0030). The demo data, the benchmarks and the
routing classifier's training and evaluation use these items.
"""

import random
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from thuocdo.core.text import fold_diacritics
from thuocdo.units.models import AliasKind, Unit, UnitAlias, UnitLevel

from .config import TOPICS_FILE
from .models import HandlingLevel, Kind

OTHER_TOPIC = "khac"


@dataclass(frozen=True)
class SampleItem:
    kind: str
    topic_code: str
    title: str
    body: str
    province_code: str
    commune_code: str
    place_text: str
    contact_name: str
    contact_email: str
    contact_phone: str
    expected_unit_code: str
    subject_code: str

    @property
    def text(self) -> str:
        """Title and body, as a classifier reads them."""
        return f"{self.title}\n{self.body}"


@dataclass(frozen=True)
class _TopicRule:
    code: str
    default_unit: str
    handling_level: str


@dataclass(frozen=True)
class _Places:
    provinces: list[tuple[str, str, str]]  # code, name, short name
    communes: dict[str, list[tuple[str, str]]]  # province code -> [(code, name)]
    districts: dict[str, list[str]]  # province code -> pre-2025 district names


# --- phrase pools --------------------------------------------------------------------------

CARRIERS = ["Viettel", "VNPT", "MobiFone"]
HAMLETS = ["thôn 3", "thôn Đồng Sậy", "bản Nà Lừa", "tổ dân phố số 5", "khu tái định cư", "xóm Bãi", "ấp 2"]
HAMLETS += ["khu phố 4", "thôn Thượng", "tổ 12", "bản Huổi Luông", "ấp Tân Hòa", "khu công nghiệp"]
PROCEDURES = [
    "cấp giấy phép xây dựng",
    "đăng ký khai sinh",
    "chứng thực bản sao điện tử",
    "đăng ký hộ kinh doanh",
    "cấp đổi giấy phép lái xe",
    "cấp phiếu lý lịch tư pháp",
    "đăng ký thường trú",
    "cấp giấy chứng nhận quyền sử dụng đất",
]
PORTAL_ERRORS = [
    "báo lỗi hệ thống và mất toàn bộ thông tin đã nhập",
    "không tải được tệp đính kèm dạng PDF",
    "liên tục mất phiên đăng nhập",
    "không gửi mã OTP về điện thoại",
    "không thanh toán được lệ phí trực tuyến",
    "hiển thị hồ sơ đã quá hạn nhưng chưa có kết quả",
]
VNEID_PROBLEMS = [
    "không kích hoạt được tài khoản định danh điện tử mức 2 trên ứng dụng VNeID",
    "ứng dụng VNeID báo lỗi khi quét chip NFC trên thẻ căn cước",
    "thông tin ngày sinh trên VNeID khác với thẻ căn cước",
    "dữ liệu dân cư chưa cập nhật sau khi đăng ký thường trú",
    "không đăng nhập được VNeID sau khi đổi điện thoại",
    "tài khoản định danh điện tử bị khóa không rõ lý do",
]
SCAMS = [
    "tin nhắn giả mạo ngân hàng yêu cầu bấm đường link để cập nhật sinh trắc học",
    "cuộc gọi giả danh công an yêu cầu cài ứng dụng dịch vụ công giả mạo",
    "trang web giả mạo Cổng Dịch vụ công quốc gia thu phí hồ sơ",
    "tin nhắn mạo danh điện lực đòi tiền điện và dọa cắt điện",
    "lời mời làm cộng tác viên online rồi chiếm đoạt tiền đặt cọc",
    "tài khoản mạng xã hội bị chiếm và dùng để vay tiền người quen",
]
RESEARCH = [
    "thủ tục thanh quyết toán đề tài khoa học cấp bộ",
    "hồ sơ đăng ký nhiệm vụ khoa học và công nghệ cấp quốc gia",
    "việc xét duyệt thuyết minh đề tài kéo dài nhiều tháng",
    "quy định về tài sản hình thành từ kết quả nghiên cứu khi chuyển giao cho doanh nghiệp",
    "thời gian thẩm định đơn đăng ký sáng chế",
    "định mức chi cho chuyên gia nước ngoài trong đề tài",
]
SANDBOX_DOMAINS = [
    "thanh toán di động",
    "xe tự hành trong khu công nghệ cao",
    "khám chữa bệnh từ xa",
    "cho vay ngang hàng",
    "giao hàng bằng thiết bị bay không người lái",
    "tài sản số",
]
STARTUP_ASKS = [
    "cơ chế thử nghiệm có kiểm soát (sandbox)",
    "hỗ trợ vườn ươm khởi nghiệp ở địa phương",
    "quỹ đầu tư mạo hiểm có vốn nhà nước",
    "thủ tục công nhận doanh nghiệp khởi nghiệp sáng tạo",
]
LAWS = [
    "giá trị pháp lý của chữ ký số trên hợp đồng điện tử",
    "quy định chồng chéo giữa nghị định và thông tư về lưu trữ hồ sơ điện tử",
    "thủ tục công nhận văn bằng, chứng chỉ điện tử",
    "việc công nhận bản sao điện tử thay bản giấy",
]
FINANCE = [
    "khoán chi đến sản phẩm cuối cùng cho nhiệm vụ khoa học",
    "giải ngân vốn đầu tư công cho dự án chuyển đổi số",
    "ưu đãi thuế cho doanh nghiệp công nghệ số",
    "định mức chi thuê dịch vụ công nghệ thông tin",
    "thủ tục thanh toán hợp đồng thuê phần mềm",
]
SKILLS = [
    "lớp kỹ năng số cho người cao tuổi",
    "phong trào Bình dân học vụ số",
    "phòng máy tính cho trường tiểu học",
    "đào tạo kỹ sư thiết kế vi mạch bán dẫn",
    "bồi dưỡng kỹ năng số cho giáo viên",
    "chương trình học lập trình cho học sinh trung học cơ sở",
]
HEALTH = [
    "bệnh viện tuyến huyện chưa triển khai bệnh án điện tử",
    "sổ sức khỏe điện tử trên VNeID không hiển thị lịch sử khám",
    "không dùng được thẻ căn cước thay thẻ bảo hiểm y tế khi khám bệnh",
    "kết quả xét nghiệm không được liên thông giữa các bệnh viện",
    "đặt lịch khám trực tuyến nhưng đến nơi vẫn phải xếp hàng",
    "đơn thuốc điện tử không được nhà thuốc chấp nhận",
]
LOCAL = [
    "trung tâm phục vụ hành chính công thiếu máy lấy số tự động",
    "ứng dụng công dân số của tỉnh thường xuyên bị lỗi",
    "chợ dân sinh chưa hỗ trợ thanh toán không dùng tiền mặt",
    "ủy ban chưa trả kết quả hồ sơ bản điện tử",
    "wifi miễn phí ở nhà văn hóa không hoạt động",
    "trang thông tin điện tử của ủy ban không cập nhật thủ tục mới",
]
ASKS = [
    "Đề nghị cơ quan có thẩm quyền xem xét, giải quyết.",
    "Kính đề nghị quý cơ quan sớm khắc phục.",
    "Mong được trả lời bằng văn bản.",
    "Rất mong nhận được phản hồi.",
    "Đề nghị kiểm tra và thông báo kết quả cho người dân.",
]
DURATIONS = ["hơn một tháng nay", "từ đầu năm đến nay", "khoảng hai tuần nay", "nhiều năm nay", "từ sau Tết"]
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Quốc", "Ngọc", "Hữu", "Thanh", "Đức", "Hoài", "Gia", "Xuân"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan", "Linh", "Long"]
GIVEN += ["Mai", "Nam", "Ngân", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
MINISTRY_NAMES = {
    "BO-KHCN": ["Bộ KH&CN", "Bộ Khoa học và Công nghệ"],
    "BO-CA": ["Bộ Công an"],
    "BO-YT": ["Bộ Y tế"],
    "BO-TC": ["Bộ Tài chính"],
    "BO-TP": ["Bộ Tư pháp"],
    "BO-GDDT": ["Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"],
    "VPCP": ["Văn phòng Chính phủ"],
}
# A subject people often file under another topic (the neighbour they pick by mistake).
CONFUSED_WITH = {
    "du-lieu-dinh-danh": "dich-vu-cong-truc-tuyen",
    "an-toan-thong-tin": "ha-tang-vien-thong",
    "y-te-so": "chuyen-doi-so-dia-phuong",
    "nhan-luc-so": "chuyen-doi-so-dia-phuong",
    "tai-chinh-dau-tu": "nghien-cuu-khoa-hoc",
    "doi-moi-sang-tao": "the-che-chinh-sach",
    "chuyen-doi-so-dia-phuong": "dich-vu-cong-truc-tuyen",
    "nghien-cuu-khoa-hoc": "tai-chinh-dau-tu",
    "the-che-chinh-sach": "dich-vu-cong-truc-tuyen",
    "dich-vu-cong-truc-tuyen": "du-lieu-dinh-danh",
    "ha-tang-vien-thong": "chuyen-doi-so-dia-phuong",
}
# How often each subject comes up (mobile coverage and public services dominate).
SUBJECT_WEIGHTS = {
    "ha-tang-vien-thong": 16,
    "dich-vu-cong-truc-tuyen": 15,
    "du-lieu-dinh-danh": 10,
    "an-toan-thong-tin": 9,
    "nghien-cuu-khoa-hoc": 7,
    "doi-moi-sang-tao": 6,
    "the-che-chinh-sach": 5,
    "tai-chinh-dau-tu": 5,
    "nhan-luc-so": 7,
    "y-te-so": 8,
    "chuyen-doi-so-dia-phuong": 12,
}
# Where the matter happens: at a commune, in a province (often an old district), or nowhere.
PLACE_MODES = {
    "ha-tang-vien-thong": (0.65, 0.30),
    "dich-vu-cong-truc-tuyen": (0.35, 0.35),
    "chuyen-doi-so-dia-phuong": (0.8, 0.2),
    "nhan-luc-so": (0.35, 0.2),
    "y-te-so": (0.3, 0.25),
    "an-toan-thong-tin": (0.2, 0.2),
    "du-lieu-dinh-danh": (0.25, 0.2),
}
FEATURED_DISTRICTS = [("01", "Huyện Ba Vì"), ("12", "Huyện Mường Tè"), ("79", "Huyện Cần Giờ")]


# --- data the generator needs -------------------------------------------------------------


def _topic_rules() -> dict[str, _TopicRule]:
    rows = tomllib.loads(TOPICS_FILE.read_text(encoding="utf-8"))["topic"]
    return {
        row["code"]: _TopicRule(
            row["code"], row.get("default_unit", ""), row.get("handling_level", "central")
        )
        for row in rows
    }


def _places() -> _Places:
    provinces = list(
        Unit.objects.filter(level=UnitLevel.PROVINCE, is_active=True)
        .order_by("code")
        .values_list("code", "name", "short_name")
    )
    communes: dict[str, list[tuple[str, str]]] = {code: [] for code, _n, _s in provinces}
    for code, name, parent in (
        Unit.objects.filter(level=UnitLevel.COMMUNE, is_active=True)
        .order_by("code")
        .values_list("code", "name", "parent__code")
    ):
        if parent in communes:
            communes[parent].append((code, name))
    districts: dict[str, list[str]] = {code: [] for code, _n, _s in provinces}
    for name, unit_code in (
        UnitAlias.objects.filter(kind=AliasKind.LEGACY_DISTRICT, unit__level=UnitLevel.PROVINCE)
        .order_by("unit__code", "name")
        .values_list("name", "unit__code")
        .distinct()
    ):
        districts.setdefault(unit_code, []).append(name)
    return _Places(provinces=provinces, communes=communes, districts=districts)


def expected_unit(rule: _TopicRule, province_code: str, commune_code: str) -> str:
    """The unit a competent operator gives a matter of this subject at this place."""
    if rule.handling_level == HandlingLevel.COMMUNE and commune_code:
        return commune_code
    if rule.handling_level in (HandlingLevel.PROVINCE, HandlingLevel.COMMUNE) and province_code:
        return province_code
    return rule.default_unit


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Generator:
    def __init__(self, seed: int, rules: dict[str, _TopicRule], places: _Places) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible sample text, not secrets
        self.rules = rules
        self.places = places
        self.province_codes = [code for code, _n, _s in places.provinces if places.communes.get(code)]
        # Big cities send more; otherwise by number of communes.
        weights = [len(places.communes[code]) for code in self.province_codes]
        self.province_weights = [
            w * (4 if code in ("01", "79") else 1)
            for w, code in zip(weights, self.province_codes, strict=True)
        ]
        self.names = {code: (name, short) for code, name, short in places.provinces}
        self.subjects = [code for code in SUBJECT_WEIGHTS if code in rules]
        self.subject_weights = [SUBJECT_WEIGHTS[code] for code in self.subjects]

    def choice(self, pool: list[str]) -> str:
        return self.rng.choice(pool)

    def place(self, subject: str) -> tuple[str, str, str, str]:
        """(province code, commune code, place text, phrase used in the text)."""
        at_commune, at_province = PLACE_MODES.get(subject, (0.1, 0.1))
        roll = self.rng.random()
        if roll >= at_commune + at_province:
            return "", "", "", ""
        province = self.rng.choices(self.province_codes, weights=self.province_weights)[0]
        province_name, province_short = self.names[province]
        if roll < at_commune:
            code, name = self.rng.choice(self.places.communes[province])
            hamlet = self.choice(HAMLETS)
            return (
                province,
                code,
                f"{hamlet}, {name}, {province_name}",
                f"{hamlet}, {_lower_first(name)}, {province_short}",
            )
        districts = self.places.districts.get(province) or []
        if self.rng.random() < 0.15:
            province, district = self.rng.choice(FEATURED_DISTRICTS)
            province_name, province_short = self.names[province]
        elif districts and self.rng.random() < 0.6:
            district = self.rng.choice(districts)
        else:
            return province, "", province_name, province_short
        phrase = f"{self.choice(HAMLETS)}, {_lower_first(district)} (cũ), {province_short}"
        return province, "", f"{_lower_first(district)}, {province_name}", phrase

    def contact(self) -> tuple[str, str, str]:
        given = self.choice(GIVEN)
        name = f"{self.choice(FAMILY)} {self.choice(MIDDLE)} {given}"
        number = self.rng.randint(1, 9999)
        phone = f"0{self.rng.choice('35789')}{self.rng.randint(10_000_000, 99_999_999)}"
        email = f"{fold_diacritics(given).replace(' ', '')}.{number}@example.vn"
        roll = self.rng.random()
        if roll < 0.15:
            return name, "", phone
        if roll < 0.5:
            return name, email, phone
        return name, email, ""

    def text(self, subject: str, where: str) -> tuple[str, str, list[Kind]]:  # noqa: PLR0911, PLR0912, PLR0915 - one branch per subject
        """(title, body, kinds that fit) for one subject."""
        r, c = self.rng, self.choice
        at = f" tại {where}" if where else ""
        since, ask = c(DURATIONS), c(ASKS)
        ministry = c(MINISTRY_NAMES.get(self.rules[subject].default_unit, ["cơ quan chức năng"]))
        name_ministry = r.random() < 0.35
        if subject == "ha-tang-vien-thong":
            carrier = c(CARRIERS)
            title = c(["Mất sóng di động", "Lõm sóng 4G", "Internet chập chờn", "Không có sóng điện thoại"])
            title += at if where else " ở khu dân cư"
            core = c(
                [
                    f"Khu dân cư{at} thường xuyên mất sóng {carrier} {since}, nhất là vào buổi tối.",
                    f"Vùng lõm sóng 4G kéo dài khoảng {r.randint(2, 15)} km dọc tuyến đường liên xã{at}.",
                    f"Học sinh{at} phải lên đồi mới có sóng để học trực tuyến.",
                    f"Gói cáp quang {r.choice([100, 150, 300])} Mbps của {carrier}{at} chỉ đạt vài Mbps vào giờ cao điểm.",
                    f"Trạm BTS gần nhất{at} bị hỏng {since}, người dân không gọi được cấp cứu.",
                ]
            )
            request = c(["Đề nghị nhà mạng bổ sung trạm phát sóng.", "Đề nghị lắp thêm trạm BTS.", ask])
            if name_ministry:
                request += f" Kính đề nghị {ministry} chỉ đạo các doanh nghiệp viễn thông khắc phục."
            return title, f"{core} {request}", [Kind.REPORT, Kind.RECOMMENDATION]
        if subject == "dich-vu-cong-truc-tuyen":
            procedure, error = c(PROCEDURES), c(PORTAL_ERRORS)
            title = c(
                [
                    f"Lỗi khi nộp hồ sơ {procedure} trực tuyến",
                    f"Cổng dịch vụ công không nhận hồ sơ {procedure}",
                    f"Hồ sơ {procedure} nộp trực tuyến bị chậm",
                    f"Đề nghị rút gọn thủ tục {procedure}",
                ]
            )
            core = f"Tôi nộp hồ sơ {procedure} trên Cổng dịch vụ công{at} nhưng hệ thống {error}."
            if r.random() < 0.4:
                core += f" Ra bộ phận một cửa thì được yêu cầu nộp lại bản giấy, mất {r.randint(2, 6)} buổi đi lại."
            kinds = [Kind.REPORT, Kind.RECOMMENDATION]
            if title.startswith("Đề nghị"):
                core += " Đề xuất cho phép dùng dữ liệu đã có trong cơ sở dữ liệu quốc gia thay cho giấy tờ."
                kinds = [Kind.RECOMMENDATION, Kind.SOLUTION]
            return title, f"{core} {ask}", kinds
        if subject == "du-lieu-dinh-danh":
            problem = c(VNEID_PROBLEMS)
            title = c(
                ["Lỗi ứng dụng VNeID", "Không kích hoạt được định danh điện tử", "Sai thông tin trên VNeID"]
            )
            title += c(["", " của người cao tuổi", f" {since}"])
            body = f"Gia đình tôi{at} gặp tình trạng {problem}. Đã ra công an cấp xã hỏi nhưng chưa được giải quyết."
            if name_ministry:
                body += f" Đề nghị {ministry} hướng dẫn cách khắc phục."
            return title, f"{body} {ask}", [Kind.REPORT]
        if subject == "an-toan-thong-tin":
            scam = c(SCAMS)
            title = c(
                [
                    "Cảnh báo lừa đảo trực tuyến",
                    "Tin nhắn lừa đảo",
                    "Bị lừa đảo qua mạng",
                    "Trang web giả mạo",
                ]
            )
            body = f"Người dân{at} nhận được {scam}. {c(['Nhiều người cao tuổi đã bị mất tiền.', 'Số điện thoại gửi tin vẫn hoạt động.', 'Tôi đã báo nhà mạng nhưng chưa có kết quả.'])}"
            if name_ministry:
                body += f" Đề nghị {ministry} điều tra, xử lý và cảnh báo rộng rãi."
            kinds = [Kind.REPORT]
            if r.random() < 0.2:
                body += " Đề xuất nhà mạng chặn tin nhắn có đường link lạ gửi hàng loạt."
                kinds = [Kind.RECOMMENDATION, Kind.SOLUTION]
            return title, f"{body} {ask}", kinds
        if subject == "nghien-cuu-khoa-hoc":
            topic = c(RESEARCH)
            title = c(
                [f"Vướng mắc về {topic}", f"Đề nghị đơn giản hóa {topic}", f"Kiến nghị sửa đổi {topic}"]
            )
            title = title[:200]
            body = (
                f"Nhóm nghiên cứu của chúng tôi tại {c(['một trường đại học', 'một viện nghiên cứu', 'một bệnh viện', 'một doanh nghiệp'])}"
                f" gặp khó khăn với {topic}: {c(['hồ sơ phải nộp nhiều bộ giấy', 'mất hơn sáu tháng', 'quy định chưa rõ', 'mỗi nơi hướng dẫn một kiểu'])}."
            )
            if name_ministry:
                body += f" Kính đề nghị {ministry} ban hành hướng dẫn thống nhất."
            return title, f"{body} {ask}", [Kind.RECOMMENDATION, Kind.SOLUTION]
        if subject == "doi-moi-sang-tao":
            domain, want = c(SANDBOX_DOMAINS), c(STARTUP_ASKS)
            title = c(
                [f"Đề xuất {want} cho {domain}", f"Kiến nghị về {want}", f"Sáng kiến thử nghiệm {domain}"]
            )
            body = (
                f"Doanh nghiệp khởi nghiệp của chúng tôi phát triển giải pháp {domain} nhưng chưa có khung pháp lý để thử nghiệm."
                f" Đề xuất {want} trong thời hạn {r.randint(1, 3)} năm, có giám sát."
            )
            if name_ministry:
                body += f" Mong {ministry} xem xét, chủ trì."
            return title, body, [Kind.INITIATIVE, Kind.SOLUTION, Kind.RECOMMENDATION]
        if subject == "the-che-chinh-sach":
            law = c(LAWS)
            title = c([f"Vướng mắc pháp lý về {law}", f"Đề nghị sửa đổi quy định về {law}"])[:200]
            body = f"Trong thực tế, {law} chưa được quy định rõ nên cơ quan, doanh nghiệp áp dụng khác nhau."
            if name_ministry:
                body += f" Kiến nghị {ministry} rà soát, đề xuất sửa đổi."
            return title, f"{body} {ask}", [Kind.RECOMMENDATION, Kind.REPORT]
        if subject == "tai-chinh-dau-tu":
            matter = c(FINANCE)
            title = c([f"Vướng mắc về {matter}", f"Kiến nghị hướng dẫn {matter}"])[:200]
            body = f"Đơn vị chúng tôi gặp khó khăn về {matter}: {c(['chưa có thông tư hướng dẫn', 'kho bạc từ chối thanh toán', 'hồ sơ bị trả lại nhiều lần'])}."
            if name_ministry:
                body += f" Đề nghị {ministry} hướng dẫn cụ thể."
            return title, f"{body} {ask}", [Kind.RECOMMENDATION, Kind.SOLUTION]
        if subject == "nhan-luc-so":
            matter = c(SKILLS)
            title = c([f"Đề nghị tổ chức {matter}", f"Kiến nghị về {matter}", f"Sáng kiến {matter}"])
            title += at if where and r.random() < 0.5 else ""
            body = f"Hiện nay{at} {c(['nhiều người chưa biết dùng điện thoại thông minh để làm thủ tục', 'trường học thiếu máy tính và giáo viên tin học', 'doanh nghiệp khó tuyển nhân lực công nghệ'])}. Đề xuất {matter}."
            if name_ministry:
                body += f" Kính đề nghị {ministry} có chương trình hỗ trợ."
            return title[:200], body, [Kind.INITIATIVE, Kind.RECOMMENDATION, Kind.SOLUTION]
        if subject == "y-te-so":
            matter = c(HEALTH)
            title = c(
                ["Bệnh án điện tử", "Sổ sức khỏe điện tử", "Bảo hiểm y tế điện tử", "Khám bệnh trực tuyến"]
            )
            title += c([" chưa thuận tiện", ": người bệnh gặp khó", " cần cải thiện"])
            body = f"Tôi phản ánh tình trạng {matter}{at}. Người bệnh phải mang theo nhiều giấy tờ."
            if name_ministry:
                body += f" Đề nghị {ministry} chỉ đạo các cơ sở khám, chữa bệnh thực hiện."
            return title, f"{body} {ask}", [Kind.REPORT, Kind.RECOMMENDATION]
        # chuyen-doi-so-dia-phuong
        matter = c(LOCAL)
        title = f"{matter[:1].upper()}{matter[1:]}"
        body = f"Tại {where or 'địa phương'}, {matter} {since}. Người dân phải chờ lâu, đi lại nhiều lần."
        return title[:200], f"{body} {ask}", [Kind.REPORT, Kind.RECOMMENDATION]

    def item(self) -> SampleItem:
        subject = self.rng.choices(self.subjects, weights=self.subject_weights)[0]
        province, commune, place_text, where = self.place(subject)
        if subject == "chuyen-doi-so-dia-phuong" and not province:
            province, commune, place_text, where = self.place(subject)  # a local matter has a place
        title, body, kinds = self.text(subject, where)
        roll = self.rng.random()
        chosen = subject
        if roll < 0.10:
            chosen = OTHER_TOPIC if OTHER_TOPIC in self.rules else subject
        elif roll < 0.16 and CONFUSED_WITH.get(subject) in self.rules:
            chosen = CONFUSED_WITH[subject]
        name, email, phone = self.contact()
        # Half of those who name a place type it; the others pick it from the lists only.
        return SampleItem(
            kind=str(self.rng.choice(kinds).value),
            topic_code=chosen,
            title=title,
            body=body,
            province_code=province,
            commune_code=commune,
            place_text=place_text if self.rng.random() < 0.5 else "",
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            expected_unit_code=expected_unit(self.rules[subject], province, commune),
            subject_code=subject,
        )


@lru_cache(maxsize=1)
def _cached_rules() -> dict[str, _TopicRule]:
    return _topic_rules()


def sample_items(n: int, seed: int = 0) -> list[SampleItem]:
    """`n` realistic items with their expected unit; deterministic for a seed and the
    units in the database (the real units must be loaded)."""
    places = _places()
    if not places.provinces:
        raise RuntimeError("Chưa nạp danh mục đơn vị (manage.py load_units).")
    generator = _Generator(seed, _cached_rules(), places)
    return [generator.item() for _ in range(n)]
