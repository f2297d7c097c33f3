"""The feedback desk (tiếp nhận, xử lý phản ánh, kiến nghị, sáng kiến, giải pháp).

Two levels, because duplicates are merged:

- An `Item` is one person's submission: their words, their contact data (personal data),
  their tracking code, their rating. It never changes owner.
- A `Case` is the handling: the responsible unit, the state, the legal deadline, the
  answer. Every item belongs to one case; merging duplicates moves items into one case,
  so every submitter keeps their code and sees the case's answer.

`CaseEvent` is the case's history: what the public sees (transfers, state changes,
answers) and what only the handlers see (internal notes). `ClockPause` records every
pause of the deadline clock. Routing decisions keep their reason and confidence.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thuocdo.core.models import TimeStampedModel
from thuocdo.units.models import Unit


class Kind(models.TextChoices):
    REPORT = "report", _("Phản ánh")
    RECOMMENDATION = "recommendation", _("Kiến nghị")
    INITIATIVE = "initiative", _("Sáng kiến")
    SOLUTION = "solution", _("Giải pháp")


# The two letters that start a tracking code, per kind ("KN-7KQ3M-X9TPA").
KIND_CODE_PREFIX = {
    Kind.REPORT: "PA",
    Kind.RECOMMENDATION: "KN",
    Kind.INITIATIVE: "SA",
    Kind.SOLUTION: "GP",
}


class KindSetting(models.Model):
    """Per-kind rules an operator may change: deadlines and whether anonymity is allowed."""

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, unique=True)
    answer_working_days = models.PositiveSmallIntegerField(_("thời hạn trả lời (ngày làm việc)"), default=15)
    transfer_working_days = models.PositiveSmallIntegerField(
        _("thời hạn chuyển đơn vị có thẩm quyền (ngày làm việc)"), default=2
    )
    allow_anonymous = models.BooleanField(_("cho phép gửi ẩn danh"), default=True)
    dispute_days = models.PositiveSmallIntegerField(_("thời hạn không đồng ý với kết quả (ngày)"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quy định theo loại")
        verbose_name_plural = _("quy định theo loại")

    def __str__(self) -> str:
        return str(Kind(self.kind).label)


class HandlingLevel(models.TextChoices):
    CENTRAL = "central", _("Cơ quan trung ương phụ trách")
    PROVINCE = "province", _("Tỉnh, thành phố nơi xảy ra")
    COMMUNE = "commune", _("Xã, phường nơi xảy ra")


class Topic(models.Model):
    """A subject area. Routing starts from its default body; a topic handled locally
    goes to the province or commune where the matter is instead."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan phụ trách mặc định"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handling_level = models.CharField(
        _("cấp giải quyết"),
        max_length=20,
        choices=HandlingLevel.choices,
        default=HandlingLevel.CENTRAL,
        help_text=_("Nếu có địa điểm, giao cho tỉnh hoặc xã nơi xảy ra thay vì cơ quan mặc định."),
    )
    service_code = models.SlugField(_("mã dịch vụ Open311"), max_length=60, unique=True)
    keywords = models.TextField(_("từ khoá"), blank=True, help_text=_("Mỗi dòng một từ khoá."))
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    TRIAGED = "triaged", _("Đã phân loại")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    WAITING_SUBMITTER = "waiting_submitter", _("Chờ người gửi bổ sung")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Từ chối")


# The deadline clock stops only in these states; each stop is a ClockPause row.
CLOCK_PAUSING_STATES = frozenset({CaseState.WAITING_SUBMITTER})
OPEN_STATES = frozenset(
    {
        CaseState.RECEIVED,
        CaseState.TRIAGED,
        CaseState.ASSIGNED,
        CaseState.IN_PROGRESS,
        CaseState.WAITING_SUBMITTER,
    }
)
FINISHED_STATES = frozenset({CaseState.ANSWERED, CaseState.CLOSED, CaseState.REJECTED})


class RejectReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("Không thuộc phạm vi tiếp nhận")
    DUPLICATE = "duplicate", _("Trùng với nội dung đã gửi")
    ABUSIVE = "abusive", _("Nội dung vi phạm quy định")


class RoutingMethod(models.TextChoices):
    RULE = "rule", _("Theo quy tắc")
    CLASSIFIER = "classifier", _("Theo mô hình học máy")
    MANUAL = "manual", _("Do cán bộ phân công")
    TRIAGE = "triage", _("Chờ Văn phòng thường trực phân loại")
    # Accepted, not routed yet: the intake processor decides (docs/decisions/0037).
    PENDING = "pending", _("Đang tự động chuyển")


ROUTING_PENDING_LABEL = _("Đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền")


class Case(TimeStampedModel):
    """The handling of one matter (one or more merged items)."""

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(
        Topic, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("tiêu đề"), max_length=200)
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị xử lý"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_cases",
    )
    province = models.ForeignKey(
        Unit,
        verbose_name=_("tỉnh, thành phố"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    commune = models.ForeignKey(
        Unit, verbose_name=_("xã, phường"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Routing: what the system decided, how sure it was and why, in words an operator reads.
    routing_method = models.CharField(_("cách phân công"), max_length=20, choices=RoutingMethod.choices)
    routing_confidence = models.FloatField(_("độ tin cậy"), default=0)
    routing_reason = models.TextField(_("lý do phân công"), blank=True)
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị gợi ý"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    routing_model_version = models.PositiveIntegerField(null=True, blank=True)
    # Clock. `received_at` starts the case; the answer deadline counts from the moment the
    # responsible unit got the case (assignment or transfer).
    received_at = models.DateTimeField(_("tiếp nhận lúc"))
    assigned_at = models.DateTimeField(_("giao lúc"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    transfer_due_at = models.DateTimeField(_("hạn chuyển đơn vị khác"), null=True, blank=True)
    paused_since = models.DateTimeField(_("tạm dừng từ"), null=True, blank=True)
    reminded_50_at = models.DateTimeField(null=True, blank=True)
    reminded_80_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("báo cáo vượt cấp lúc"), null=True, blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_late = models.BooleanField(_("trả lời quá hạn"), null=True, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    # Outcome.
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reject_reason = models.CharField(
        _("lý do từ chối"), max_length=20, choices=RejectReason.choices, blank=True
    )
    reject_note = models.TextField(_("giải thích"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("gộp vào hồ sơ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
    )
    # Publication after an operator's review ("ba công khai"): only then is it public.
    is_published = models.BooleanField(_("đã công khai"), default=False)
    published_at = models.DateTimeField(_("công khai lúc"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    public_summary = models.TextField(
        _("nội dung công khai"), blank=True, help_text=_("Nội dung đã lược bỏ thông tin cá nhân.")
    )
    # Folded title and text for similarity search (diacritics-insensitive on every database).
    search_text = models.TextField(blank=True, editable=False)
    is_demo = models.BooleanField(_("dữ liệu minh hoạ"), default=False)

    class Meta:
        verbose_name = _("hồ sơ phản ánh, kiến nghị")
        verbose_name_plural = _("hồ sơ phản ánh, kiến nghị")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["unit", "state", "received_at"], name="case_unit_state_idx"),
            models.Index(fields=["state", "answer_due_at"], name="case_state_due_idx"),
            models.Index(fields=["is_published", "published_at"], name="case_published_idx"),
            models.Index(fields=["received_at"], name="case_received_idx"),
            # Newest (or oldest) cases in a state, e.g. a unit's closed or open cases
            # (docs/decisions/0036).
            models.Index(fields=["state", "received_at"], name="case_state_received_idx"),
            # The intake processor's queue: small, because a case leaves it within seconds
            # (docs/decisions/0037).
            models.Index(
                fields=["received_at"],
                condition=Q(routing_method="pending"),
                name="case_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(routing_confidence__gte=0) & Q(routing_confidence__lte=1),
                name="case_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_routing_pending(self) -> bool:
        """Accepted, not routed yet (docs/decisions/0037): nobody is responsible, and it
        is not in the triage queue either until the processor has decided."""
        return self.routing_method == RoutingMethod.PENDING

    @property
    def state_label(self) -> str:
        if self.is_routing_pending:
            return str(ROUTING_PENDING_LABEL)
        return str(self.get_state_display())


class Channel(models.TextChoices):
    WEB = "web", _("Cổng thông tin")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class Item(models.Model):
    """One person's submission. Contact fields are personal data: shown only to the
    handling unit and the Standing Office, every view audited."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="items")
    tracking_code = models.CharField(_("mã tra cứu"), max_length=20, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(Topic, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    place_text = models.CharField(_("địa điểm"), max_length=300, blank=True)
    province = models.ForeignKey(
        Unit,
        verbose_name=_("tỉnh, thành phố"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    commune = models.ForeignKey(
        Unit, verbose_name=_("xã, phường"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Personal data.
    contact_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    contact_email = models.EmailField(_("thư điện tử"), blank=True)
    contact_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    is_anonymous = models.BooleanField(_("ẩn danh"), default=False)
    publish_name = models.BooleanField(_("đồng ý công khai họ tên"), default=False)
    consent_at = models.DateTimeField(_("đồng ý điều khoản lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    # Where the submission came from, for the audit entry the processor writes later
    # (personal data, like the contact: never shown outside the audit log).
    submitted_ip = models.CharField(_("địa chỉ IP"), max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"))
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # Open311 gives each request a token the client may poll before the id is known.
    open311_token = models.CharField(max_length=40, unique=True, null=True, blank=True)
    # The submitter's verdict on the answer; one dispute per item, within the set time.
    rating = models.PositiveSmallIntegerField(_("đánh giá (1–5)"), null=True, blank=True)
    rating_comment = models.TextField(_("nhận xét"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(_("không đồng ý lúc"), null=True, blank=True)
    dispute_reason = models.TextField(_("lý do không đồng ý"), blank=True)
    is_demo = models.BooleanField(_("dữ liệu minh hoạ"), default=False)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["submitted_at"], name="item_submitted_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="item_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class Attachment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp"), upload_to="feedback/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("received", "Tiếp nhận")
    ROUTED = "routed", _("Phân công tự động")
    TRIAGED = "triaged", _("Phân loại")
    ASSIGNED = "assigned", _("Giao xử lý")
    TRANSFERRED = "transferred", _("Chuyển đơn vị")
    ACCEPTED = "accepted", _("Nhận xử lý")
    PAUSED = "paused", _("Tạm dừng tính thời hạn")
    RESUMED = "resumed", _("Tiếp tục tính thời hạn")
    REMINDED = "reminded", _("Nhắc hạn")
    ESCALATED = "escalated", _("Quá hạn, báo cáo cấp trên")
    ANSWERED = "answered", _("Trả lời")
    PUBLISHED = "published", _("Công khai")
    CLOSED = "closed", _("Đóng hồ sơ")
    REJECTED = "rejected", _("Từ chối")
    MERGED = "merged", _("Gộp hồ sơ trùng")
    RATED = "rated", _("Đánh giá")
    DISPUTED = "disputed", _("Không đồng ý, mở lại")
    NOTE = "note", _("Ghi chú nội bộ")


class CaseEvent(models.Model):
    """One step in a case's history. Public steps appear on the tracking and public
    pages; internal notes (is_public=False) only for the handlers."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("sự kiện"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("lúc"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state_before = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    state_after = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    is_public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("diễn biến hồ sơ")
        verbose_name_plural = _("diễn biến hồ sơ")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class ClockPause(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("lý do"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("tạm dừng thời hạn")
        verbose_name_plural = _("tạm dừng thời hạn")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="clock_pause_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_at:%d/%m/%Y}"


class BlockedTerm(models.Model):
    """Words that make the intake refuse a submission (abuse list kept by operators)."""

    term = models.CharField(_("từ bị chặn"), max_length=100, unique=True)
    folded = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("từ bị chặn")
        verbose_name_plural = _("từ bị chặn")

    def __str__(self) -> str:
        return self.term


class RoutingModel(models.Model):
    """A trained text classifier version. Only one is active; each keeps its measured
    accuracy on the held-out part of the data so operators can judge it."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    trained_on = models.PositiveIntegerField(_("số mẫu huấn luyện"))
    held_out = models.PositiveIntegerField(_("số mẫu kiểm tra"))
    accuracy = models.FloatField(_("độ chính xác"))
    label_count = models.PositiveIntegerField(_("số đơn vị"))
    labels = models.JSONField(_("các đơn vị (mã)"), default=list, blank=True)
    algorithm = models.CharField(max_length=200)
    payload = models.BinaryField()
    is_active = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("mô hình phân loại")
        verbose_name_plural = _("mô hình phân loại")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="routing_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.accuracy:.0%})"
