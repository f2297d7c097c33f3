"""Monitoring and evaluation: programmes, plans and directives, their tasks, the units
each task is assigned to, indicators, progress reports with evidence, verification.

An Assignment carries a few facts maintained by the services on every write (latest
progress, latest report, completion, dispute), so that status and scorecards over
hundreds of thousands of assignments are computed by the database at request time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thuocdo.core.models import TimeStampedModel
from thuocdo.units.models import Unit


class Program(TimeStampedModel):
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    number = models.CharField(_("số hiệu"), max_length=60, help_text=_("Ví dụ: 57-NQ/TW"))
    name = models.CharField(_("tên"), max_length=500)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["-issued_on", "code"]

    def __str__(self) -> str:
        return f"{self.number} — {self.name}" if self.number else self.name


class PlanKind(models.TextChoices):
    PLAN = "plan", _("Kế hoạch")
    DIRECTIVE = "directive", _("Thông báo kết luận")
    DECISION = "decision", _("Quyết định")
    OTHER = "other", _("Văn bản khác")


class Plan(TimeStampedModel):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(_("loại văn bản"), max_length=20, choices=PlanKind.choices)
    number = models.CharField(_("số hiệu"), max_length=60, help_text=_("Ví dụ: 05-TB/BCĐTW"))
    title = models.CharField(_("trích yếu"), max_length=1000)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan ban hành"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_text = models.TextField(_("nội dung văn bản"), blank=True)
    source_file = models.FileField(_("tệp văn bản"), upload_to="plans/%Y/", blank=True)
    is_simulated = models.BooleanField(_("dữ liệu mô phỏng"), default=False)

    class Meta:
        verbose_name = _("kế hoạch, văn bản chỉ đạo")
        verbose_name_plural = _("kế hoạch, văn bản chỉ đạo")
        ordering = ["-issued_on", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="plan_number_unique")]

    def __str__(self) -> str:
        return self.number


class TaskGroup(models.Model):
    """A pillar of a plan (Kế hoạch 02 has eight). Groups are data, per plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("mã"), max_length=20)
    name = models.CharField(_("tên nhóm"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("nhóm nhiệm vụ")
        verbose_name_plural = _("nhóm nhiệm vụ")
        ordering = ["plan", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="task_group_code_unique")]

    def __str__(self) -> str:
        return self.name


class DeadlineKind(models.TextChoices):
    DATE = "date", _("Trước ngày")
    MONTH = "month", _("Trong tháng")
    RECURRING = "recurring", _("Định kỳ")
    NONE = "none", _("Thường xuyên, không thời hạn")


class Recurrence(models.TextChoices):
    NONE = "none", _("Không định kỳ")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Bình thường")
    HIGH = "high", _("Cao")
    CRITICAL = "critical", _("Đặc biệt quan trọng")


class CascadeGroup(models.TextChoices):
    NONE = "", _("Không giao hàng loạt")
    PROVINCES = "provinces", _("Tất cả tỉnh, thành phố")
    COMMUNES = "communes", _("Tất cả xã, phường, đặc khu")
    MINISTRIES = "ministries", _("Tất cả bộ, ngành Trung ương")


class Task(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tasks")
    group = models.ForeignKey(
        TaskGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="subtasks"
    )
    code = models.CharField(_("mã nhiệm vụ"), max_length=40)
    title = models.CharField(_("tên nhiệm vụ"), max_length=1000)
    description = models.TextField(_("nội dung"), blank=True)
    deliverable = models.CharField(_("sản phẩm đầu ra"), max_length=1000, blank=True)
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị chủ trì"), on_delete=models.PROTECT, related_name="+"
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("đơn vị phối hợp"), blank=True, related_name="cooperating_tasks"
    )
    start_on = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    deadline_kind = models.CharField(_("loại thời hạn"), max_length=12, choices=DeadlineKind.choices)
    deadline_on = models.DateField(
        _("thời hạn"), null=True, blank=True, help_text=_("Ngày cuối cùng phải hoàn thành.")
    )
    deadline_text = models.CharField(_("thời hạn (như văn bản ghi)"), max_length=255, blank=True)
    recurrence = models.CharField(
        _("báo cáo định kỳ"), max_length=12, choices=Recurrence.choices, default=Recurrence.MONTHLY
    )
    priority = models.CharField(
        _("mức ưu tiên"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # A task given to a whole group of units remembers the group, so units added later
    # (a new commune) can be included by running the cascade again.
    cascade_group = models.CharField(
        _("giao cho nhóm"), max_length=12, choices=CascadeGroup.choices, blank=True
    )
    cascade_within = models.ForeignKey(
        Unit,
        verbose_name=_("trong phạm vi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_simulated = models.BooleanField(_("dữ liệu mô phỏng"), default=False)

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="task_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.title[:80]}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Chủ trì")
    COOPERATE = "cooperate", _("Phối hợp")
    EXECUTE = "execute", _("Thực hiện")


class Assignment(models.Model):
    """A task given to one unit. The fields after `created_at` are maintained by the
    services from the unit's reports and the verifiers' findings."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("vai trò"), max_length=10, choices=AssignmentRole.choices)
    weight = models.DecimalField(_("trọng số"), max_digits=12, decimal_places=2, default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    last_report_at = models.DateTimeField(_("báo cáo gần nhất lúc"), null=True, blank=True)
    last_period = models.DateField(_("kỳ báo cáo gần nhất"), null=True, blank=True)
    reports_submitted = models.PositiveIntegerField(_("số báo cáo"), default=0)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    disputed = models.BooleanField(_("kết quả bị bác bỏ khi kiểm tra"), default=False)
    # The first day each time-dependent status rule applies (delivery/status.py), derived
    # from the facts above whenever they change, so status is a comparison with today.
    deadline_on = models.DateField(null=True, blank=True, editable=False)  # the task's, copied for indexing
    late_from = models.DateField(null=True, blank=True, editable=False)
    silent_from = models.DateField(null=True, blank=True, editable=False)
    behind_from = models.DateField(null=True, blank=True, editable=False)
    near_deadline_from = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("giao nhiệm vụ")
        verbose_name_plural = _("giao nhiệm vụ")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_task_unit_unique"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="assignment_progress_le_100"),
        ]
        indexes = [
            models.Index(fields=["unit", "task"], name="assignment_unit_task_idx"),
            models.Index(fields=["deadline_on", "id"], name="assignment_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} @ {self.unit.code}"


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class Rollup(models.TextChoices):
    SUM = "sum", _("Tổng")
    MEAN = "mean", _("Trung bình")
    WEIGHTED_MEAN = "weighted_mean", _("Trung bình có trọng số")
    SHARE_MEETING_TARGET = "share_meeting_target", _("Tỷ lệ đơn vị đạt mục tiêu")


class Indicator(TimeStampedModel):
    """A KPI of a task. The definition is versioned: a change to the target or the roll-up
    rule creates a new version (and an audit event); values always point at the version
    they were reported against."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField(_("mã chỉ tiêu"), max_length=40)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    is_current = models.BooleanField(_("phiên bản hiện hành"), default=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=500)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50)
    direction = models.CharField(
        _("chiều"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline = models.DecimalField(_("giá trị cơ sở"), max_digits=18, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("giá trị mục tiêu"), max_digits=18, decimal_places=4)
    target_on = models.DateField(_("hạn đạt mục tiêu"), null=True, blank=True)
    rollup = models.CharField(_("cách tổng hợp"), max_length=24, choices=Rollup.choices)
    trajectory = models.JSONField(
        _("lộ trình"), default=dict, blank=True, help_text=_('Giá trị kỳ vọng theo kỳ: {"2025-09": 40, ...}')
    )

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["task", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["task", "key", "version"], name="indicator_version_unique"),
            models.UniqueConstraint(
                fields=["task", "key"], condition=Q(is_current=True), name="indicator_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_of_measure})"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã gửi")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    RETURNED = "returned", _("Trả lại")


class Report(models.Model):
    """A progress report of one assignment for one period. Once submitted it is never
    edited: a correction is a new version that supersedes it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reports")
    period = models.DateField(_("kỳ báo cáo"), help_text=_("Ngày đầu của kỳ (tháng, quý)."))
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    is_current = models.BooleanField(_("phiên bản hiện hành"), default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"))
    narrative = models.TextField(_("kết quả thực hiện"), blank=True)
    obstacles = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("xem xét lúc"), null=True, blank=True)
    return_reason = models.TextField(_("lý do trả lại"), blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    is_simulated = models.BooleanField(_("dữ liệu mô phỏng"), default=False)

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        ordering = ["assignment", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period", "version"], name="report_version_unique"),
            models.UniqueConstraint(
                fields=["assignment", "period"],
                condition=Q(is_current=True),
                name="report_one_current_version",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_le_100"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="report_status_submitted_idx")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.period:%m/%Y} v{self.version}"


class IndicatorValue(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("giá trị"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("giá trị chỉ tiêu")
        verbose_name_plural = _("giá trị chỉ tiêu")
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="indicator_value_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.key}={self.value}"


class Evidence(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("tệp"), upload_to="evidence/%Y/%m/", blank=True)
    url = models.URLField(_("đường dẫn"), max_length=1000, blank=True)
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="evidence_file_or_url"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.url


class SampleReason(models.TextChoices):
    RANDOM = "random", _("Chọn ngẫu nhiên")
    BIG_JUMP = "big_jump", _("Tiến độ tăng đột biến")
    COMPLETION_CLAIM = "completion", _("Báo cáo hoàn thành")
    DISPUTE_HISTORY = "dispute_history", _("Đơn vị từng bị bác bỏ")
    MANUAL = "manual", _("Chọn thủ công")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ kiểm tra")
    CONFIRMED = "confirmed", _("Xác nhận đúng")
    DISPUTED = "disputed", _("Không đúng thực tế")


class Verification(models.Model):
    """An independent check of one submitted report by the centre. Its note is internal:
    it never appears on public pages."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="verifications")
    reason = models.CharField(_("lý do chọn mẫu"), max_length=20, choices=SampleReason.choices)
    status = models.CharField(
        _("kết quả"), max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    note = models.TextField(_("ghi chú kiểm tra (nội bộ)"), blank=True)
    drawn_at = models.DateTimeField(auto_now_add=True)
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("kết luận lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiểm tra độc lập")
        verbose_name_plural = _("kiểm tra độc lập")
        constraints = [models.UniqueConstraint(fields=["report"], name="verification_one_per_report")]
        indexes = [
            # Sampling asks at every submission whether the unit was ever found untrue:
            # disputed findings are few, the queue grows with every report drawn.
            models.Index(fields=["report"], condition=Q(status="disputed"), name="verification_disputed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report} — {self.get_status_display()}"


class Colour(models.TextChoices):
    GREEN = "green", _("Xanh")
    AMBER = "amber", _("Vàng")
    RED = "red", _("Đỏ")


class Judgement(models.Model):
    """A leader's recorded judgement of an assignment, shown beside the computed status."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="judgements")
    colour = models.CharField(_("đánh giá"), max_length=6, choices=Colour.choices)
    reason = models.TextField(_("lý do"))
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    judged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đánh giá của lãnh đạo")
        verbose_name_plural = _("đánh giá của lãnh đạo")
        ordering = ["-judged_at"]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.get_colour_display()}"


class DashboardPin(models.Model):
    """What a unit chose to keep on its own dashboard: an indicator or a plan."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="dashboard_pins")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    pinned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pinned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mục ghim trên bảng điều hành")
        verbose_name_plural = _("mục ghim trên bảng điều hành")
        ordering = ["unit", "order"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(indicator__isnull=False) & Q(plan__isnull=True))
                | (Q(indicator__isnull=True) & Q(plan__isnull=False)),
                name="dashboard_pin_one_target",
            )
        ]

    def __str__(self) -> str:
        return str(self.indicator or self.plan)


TALLY_SHARDS = 8


class ProgressTally(models.Model):
    """Reports counted per plan, top-level unit (province or central body) and period,
    kept up to date by the report services in the same transaction as each report, so
    national and provincial trends read a few hundred rows instead of millions.

    Each count is split over `TALLY_SHARDS` rows by assignment (`shard` = assignment id
    modulo the number of shards), and readers sum them: the communes of one province
    reporting at the same moment then rarely wait for each other's row lock."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    group_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    shard = models.PositiveSmallIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("số liệu tổng hợp theo kỳ")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "group_unit", "period", "shard"], name="progress_tally_shard_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.group_unit_id}/{self.period}: {self.reports}"
