"""Breakthrough initiatives (sáng kiến đột phá): registration by anyone, screening by the
Standing Office, blind review by assigned experts against a weighted rubric, a council
decision that is published, and, for a selected initiative, a task in monitoring.

An initiative keeps its content in numbered versions: a resubmission after "needs
revision" adds version n+1 and a new review round; reviews, expected results and
attachments each belong to the version they were made for.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thuocdo.core.models import TimeStampedModel
from thuocdo.delivery.models import Plan, Task
from thuocdo.units.models import Unit


class StrategicArea(TimeStampedModel):
    """A strategic technology area (AI, big data, semiconductors, ...). Data, loaded from
    `data/strategic_areas.toml` and editable in the admin."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("lĩnh vực công nghệ chiến lược")
        verbose_name_plural = _("lĩnh vực công nghệ chiến lược")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Rubric(TimeStampedModel):
    """A scoring rubric: criteria with weights that sum to 100. One rubric is active; a
    rubric that reviews were scored against is never edited, a new one replaces it."""

    name = models.CharField(_("tên bộ tiêu chí"), max_length=200)
    is_active = models.BooleanField(_("đang áp dụng"), default=False)

    class Meta:
        verbose_name = _("bộ tiêu chí chấm điểm")
        verbose_name_plural = _("bộ tiêu chí chấm điểm")
        ordering = ["-is_active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="rubric_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("mã tiêu chí"), max_length=40)
    name = models.CharField(_("tiêu chí"), max_length=200)
    description = models.TextField(_("hướng dẫn chấm"), blank=True)
    weight = models.PositiveSmallIntegerField(_("trọng số (%)"))
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("tiêu chí chấm điểm")
        verbose_name_plural = _("tiêu chí chấm điểm")
        ordering = ["rubric", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="rubric_criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="rubric_criterion_weight_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight} %)"


class InitiativeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Đã tiếp nhận")
    SCREENING = "screening", _("Đang xét điều kiện")
    INELIGIBLE = "ineligible", _("Không đủ điều kiện")
    IN_REVIEW = "in_review", _("Đang thẩm định")
    REVIEWED = "reviewed", _("Đã thẩm định xong")
    DECIDED = "decided", _("Đã có quyết định")


class Outcome(models.TextChoices):
    SELECTED = "selected", _("Được lựa chọn")
    REJECTED = "rejected", _("Không được lựa chọn")
    NEEDS_REVISION = "needs_revision", _("Cần hoàn thiện, gửi lại")


class Initiative(TimeStampedModel):
    """The current version's content, who submitted it (never public) and where it is."""

    tracking_code = models.CharField(_("mã tra cứu"), max_length=20, unique=True)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.SUBMITTED
    )
    title = models.CharField(_("tên sáng kiến"), max_length=300)
    problem = models.TextField(_("vấn đề cần giải quyết"))
    solution = models.TextField(_("giải pháp đề xuất"))
    area = models.ForeignKey(
        StrategicArea, verbose_name=_("lĩnh vực công nghệ chiến lược"), on_delete=models.PROTECT
    )
    budget_million_vnd = models.DecimalField(
        _("kinh phí dự kiến (triệu đồng)"), max_digits=14, decimal_places=1
    )
    duration_months = models.PositiveSmallIntegerField(_("thời gian thực hiện (tháng)"))
    lead_organisation = models.CharField(_("tổ chức chủ trì"), max_length=300)
    team = models.TextField(_("nhóm thực hiện"))
    # Who submitted: personal data, shown only to the Standing Office.
    contact_name = models.CharField(_("họ và tên người đăng ký"), max_length=150)
    contact_email = models.EmailField(_("thư điện tử"), max_length=254)
    contact_phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("đồng ý xử lý dữ liệu cá nhân lúc"))
    submitted_at = models.DateTimeField(_("gửi lúc"))
    ineligible_reason = models.TextField(_("lý do không đủ điều kiện"), blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField(_("xét điều kiện lúc"), null=True, blank=True)
    task = models.OneToOneField(
        Task,
        verbose_name=_("nhiệm vụ theo dõi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiative",
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    is_demo = models.BooleanField(_("dữ liệu minh hoạ"), default=False)

    class Meta:
        verbose_name = _("sáng kiến đột phá")
        verbose_name_plural = _("sáng kiến đột phá")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="initiative_status_idx")]

    def __str__(self) -> str:
        return self.title


class InitiativeVersion(models.Model):
    """What the submitter sent, frozen: one row per submission (the first and each
    resubmission after "needs revision")."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    content = models.JSONField(_("nội dung"))
    submitted_at = models.DateTimeField(_("gửi lúc"))

    class Meta:
        verbose_name = _("phiên bản sáng kiến")
        verbose_name_plural = _("phiên bản sáng kiến")
        ordering = ["initiative", "version"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "version"], name="initiative_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} v{self.version}"


class ExpectedResult(models.Model):
    """A measurable expected result. For a selected initiative it becomes an indicator
    of the monitored task."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="expected_results")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("kết quả, chỉ tiêu"), max_length=500)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50)
    baseline = models.DecimalField(
        _("giá trị hiện tại"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(_("giá trị mục tiêu"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("kết quả dự kiến")
        verbose_name_plural = _("kết quả dự kiến")
        ordering = ["initiative", "version", "order"]

    def __str__(self) -> str:
        return f"{self.name}: {self.target} {self.unit_of_measure}"


class Attachment(models.Model):
    """A file sent with a version. Downloaded only by the office and assigned experts."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="attachments")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to="initiatives/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["initiative", "version", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ConflictStatus(models.TextChoices):
    UNDECLARED = "undeclared", _("Chưa khai báo")
    NONE = "none", _("Không có xung đột lợi ích")
    CONFLICT = "conflict", _("Có xung đột lợi ích")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Được phân công")
    CONFLICT = "conflict", _("Từ chối do xung đột lợi ích")
    SUBMITTED = "submitted", _("Đã nộp phiếu chấm")
    WITHDRAWN = "withdrawn", _("Không cần chấm nữa")


class Review(models.Model):
    """One expert's review of one version: the conflict-of-interest declaration, then the
    scores. Other experts' scores stay hidden from an expert until they submit their own."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="reviews")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chuyên gia"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("phân công lúc"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED
    )
    conflict = models.CharField(
        _("xung đột lợi ích"),
        max_length=10,
        choices=ConflictStatus.choices,
        default=ConflictStatus.UNDECLARED,
    )
    conflict_note = models.TextField(_("giải trình xung đột lợi ích"), blank=True)
    declared_at = models.DateTimeField(_("khai báo lúc"), null=True, blank=True)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total = models.DecimalField(_("điểm tổng hợp (thang 100)"), max_digits=6, decimal_places=2, null=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiếu thẩm định")
        verbose_name_plural = _("phiếu thẩm định")
        ordering = ["initiative", "version", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "version", "expert"], name="review_one_per_expert")
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} v{self.version} — {self.expert}"


class ReviewScore(models.Model):
    """A score from 0 to 10 on one criterion, with the criterion's weight at the time."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField(_("trọng số (%)"))
    score = models.PositiveSmallIntegerField(_("điểm (0–10)"))

    class Meta:
        verbose_name = _("điểm theo tiêu chí")
        verbose_name_plural = _("điểm theo tiêu chí")
        ordering = ["review", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_unique"),
            models.CheckConstraint(condition=Q(score__lte=10), name="review_score_le_10"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}={self.score}"


class CouncilDecision(models.Model):
    """The selection council's decision on one version. Outcome, reasons and the minutes
    summary are published; the full minutes stay internal."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    outcome = models.CharField(_("quyết định"), max_length=16, choices=Outcome.choices)
    reasons = models.TextField(_("lý do"))
    minutes_summary = models.TextField(_("tóm tắt biên bản họp hội đồng"))
    minutes = models.TextField(_("biên bản đầy đủ (nội bộ)"), blank=True)
    meeting_on = models.DateField(_("ngày họp hội đồng"))
    aggregated_score = models.DecimalField(_("điểm bình quân"), max_digits=6, decimal_places=2)
    reviews_counted = models.PositiveSmallIntegerField(_("số phiếu chấm"))
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị chủ trì thực hiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("quyết định lúc"))

    class Meta:
        verbose_name = _("quyết định của hội đồng")
        verbose_name_plural = _("quyết định của hội đồng")
        ordering = ["initiative", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "version"], name="decision_one_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} v{self.version}: {self.get_outcome_display()}"
