"""The Vietnamese working-day calendar, kept as data.

The default rule is Monday to Friday working, Saturday and Sunday off. Only days that
differ from it are stored: a weekday off (public holiday, Tết, compensatory day "nghỉ
bù") or a weekend working day ("ngày làm bù"). Each year is initialised once from the
`holidays` package and then belongs to the operators, because the Government announces
the exact Tết break and the swapped days every year.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from thuocdo.core.models import TimeStampedModel


class DaySource(models.TextChoices):
    PACKAGE = "package", _("Gói holidays")
    OPERATOR = "operator", _("Người vận hành")


class CalendarDay(TimeStampedModel):
    """A day that differs from the default rule. `is_working` is True only on a weekend
    day (a make-up working day) and False only on a weekday (a day off)."""

    day = models.DateField(_("ngày"), unique=True)
    is_working = models.BooleanField(_("là ngày làm việc"))
    name = models.CharField(_("tên ngày"), max_length=200)
    source = models.CharField(_("nguồn"), max_length=20, choices=DaySource.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sửa"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["day"]
        verbose_name = _("ngày khác lệ thường")
        verbose_name_plural = _("ngày khác lệ thường")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


class CalendarYear(models.Model):
    """A year whose calendar exists. `revision` changes on every write to the year's days,
    so each process can tell whether its cached copy is still the current one."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    initialised_at = models.DateTimeField(_("khởi tạo lúc"))
    initialised_from = models.CharField(_("khởi tạo từ"), max_length=60)
    edited_at = models.DateTimeField(_("sửa lần cuối lúc"), null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sửa lần cuối"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revision = models.CharField(_("phiên bản"), max_length=32)

    class Meta:
        ordering = ["year"]
        verbose_name = _("năm lịch")
        verbose_name_plural = _("năm lịch")

    def __str__(self) -> str:
        return str(self.year)
