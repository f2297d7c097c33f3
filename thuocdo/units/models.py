"""The organisation: the centre, central bodies, provinces and communes, as one tree.

Each unit stores its materialized path built from the stable official codes
("BCDTW/01/00004/"), so subtree questions are one indexed prefix query and a reload
of the dataset never rewrites paths of units that did not move.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thuocdo.core.models import TimeStampedModel

PATH_SEPARATOR = "/"


class UnitLevel(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Tỉnh/thành phố")
    COMMUNE = "commune", _("Xã/phường/đặc khu")


class UnitSource(models.TextChoices):
    ADMIN_DATASET = "admin_dataset", _("Danh mục hành chính chính thức")
    CENTRAL_BODIES = "central_bodies", _("Danh mục cơ quan Trung ương")
    MANUAL = "manual", _("Nhập tay")


class Unit(TimeStampedModel):
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=150, blank=True)
    kind = models.CharField(_("loại"), max_length=40)
    kind_label = models.CharField(_("loại hình"), max_length=60, blank=True)
    level = models.CharField(_("cấp"), max_length=20, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # unique=True also makes Django create a varchar_pattern_ops ("_like") index on PostgreSQL,
    # which serves LIKE 'prefix%' whatever the database collation.
    path = models.CharField(_("đường dẫn cây"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("độ sâu"), editable=False, default=0)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    area_km2 = models.FloatField(_("diện tích (km²)"), null=True, blank=True)
    search_name = models.CharField(max_length=400, editable=False, db_index=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    source = models.CharField(_("nguồn"), max_length=20, choices=UnitSource.choices)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["level", "parent"], name="unit_level_parent_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_paths(self) -> list[str]:
        parts = self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        return [PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR for i in range(len(parts) - 1)]

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is `other` or lies in its subtree."""
        return self.path.startswith(other.path)

    @staticmethod
    def subtree_q(path: str, *, prefix: str = "") -> Q:
        """A filter for the subtree rooted at `path` (the root included)."""
        return Q(**{f"{prefix}path__startswith": path})


class AliasKind(models.TextChoices):
    ABBREVIATION = "abbreviation", _("Tên viết tắt")
    SHORT_NAME = "short_name", _("Tên gọi khác")
    LEGACY_PROVINCE = "legacy_province", _("Tỉnh cũ (trước 01/7/2025)")
    LEGACY_DISTRICT = "legacy_district", _("Huyện/quận cũ (trước 01/7/2025)")
    LEGACY_COMMUNE = "legacy_commune", _("Xã/phường cũ (trước 01/7/2025)")


class UnitAlias(models.Model):
    """Another name under which people and documents refer to a unit today: an
    abbreviation ("Bộ KH&CN") or a pre-2025 unit that now lies (wholly or partly) in it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(_("loại"), max_length=20, choices=AliasKind.choices)
    name = models.CharField(_("tên"), max_length=255)
    legacy_code = models.CharField(_("mã cũ"), max_length=20, blank=True)
    context = models.CharField(
        _("thuộc"), max_length=255, blank=True, help_text=_("Ví dụ: huyện và tỉnh cũ của một xã cũ.")
    )
    is_partial = models.BooleanField(
        _("chỉ một phần"), default=False, help_text=_("Đơn vị cũ được chia cho nhiều đơn vị mới.")
    )
    search_name = models.CharField(max_length=400, editable=False, db_index=True)
    # The folded name alone ("huyen ba vi"), for exact look-ups of an old name.
    name_key = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("tên gọi khác")
        verbose_name_plural = _("tên gọi khác")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "legacy_code", "name"], name="unit_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.unit.name}"
