"""Excel in and out for monitoring.

In: the plan import template, and `plan_import_xlsx`, which reads a filled template,
checks every row first, then creates the tasks, cascades and indicators through the
services (so permissions and the audit log apply), all or nothing.

Out: a plan's tasks with their live colours, the scorecards (league tables and the
national card), and an assignment's report set. Everything but the report set is public
data: no verification notes, no person's name.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.errors import AppError
from thuocdo.core.text import fold_diacritics, nfc
from thuocdo.units.models import Unit, UnitAlias, UnitLevel
from thuocdo.units.selectors import unit_root

from . import selectors
from .models import (
    Assignment,
    CascadeGroup,
    DeadlineKind,
    Direction,
    Indicator,
    Plan,
    PlanKind,
    Priority,
    Recurrence,
    Rollup,
    Task,
    TaskGroup,
)
from .permissions import report_policy, task_policy
from .services import (
    TEXT_LIMIT,
    TaskSpec,
    cascade_units,
    indicator_define,
    slug_re,
    task_cascade,
    task_create,
    task_spec_errors,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
# A 10 MB zip can inflate to gigabytes; refuse before openpyxl expands it.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
DECIMAL_LIMIT = Decimal(10) ** 14  # the indicator columns hold 18 digits, 4 after the point
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

GUIDE_SHEET = "Hướng dẫn"
TASK_SHEET = "Nhiệm vụ"
INDICATOR_SHEET = "Chỉ tiêu"
LISTS_SHEET = "Danh mục"
FILE_LEVEL = ""  # the sheet of an error about the whole file

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


# --- the columns of the template -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    guide: str
    example: str = ""
    required: bool = False
    width: int = 18
    numeric: bool = False
    choices: type[models.TextChoices] | None = None


TASK_COLUMNS = (
    Column(
        "code",
        "Mã nhiệm vụ",
        "Tối đa 40 ký tự; không trùng trong tệp và với nhiệm vụ đã có của văn bản.",
        "1.1",
        True,
        12,
    ),
    Column(
        "title", "Tên nhiệm vụ", "Tối đa 1.000 ký tự.", "Ban hành kế hoạch chuyển đổi số năm 2026", True, 50
    ),
    Column(
        "group",
        "Nhóm",
        "Mã nhóm nhiệm vụ (tối đa 20 ký tự). Nhóm chưa có trong văn bản sẽ được tạo mới.",
        "I",
        width=10,
    ),
    Column("description", "Nội dung", "Nội dung chi tiết của nhiệm vụ.", width=40),
    Column("deliverable", "Sản phẩm đầu ra", "Tối đa 1.000 ký tự.", "Kế hoạch được ban hành", width=30),
    Column(
        "lead",
        "Đơn vị chủ trì",
        "Mã đơn vị, hoặc đúng tên đầy đủ, tên ngắn hay tên viết tắt (không phân biệt dấu, hoa thường). "
        "Tên trùng với nhiều đơn vị thì phải ghi mã.",
        "01 hoặc Thành phố Hà Nội",
        True,
        28,
    ),
    Column(
        "cooperating",
        "Đơn vị phối hợp",
        "Như cột Đơn vị chủ trì; nhiều đơn vị cách nhau bằng dấu chấm phẩy (;).",
        "BO-TC; BO-KHCN",
        width=28,
    ),
    Column(
        "cascade_group",
        "Giao cho nhóm",
        "Để trống nếu chỉ giao cho đơn vị chủ trì và phối hợp. Giao hàng loạt: provinces (tất cả tỉnh, thành phố), "
        "communes (tất cả xã, phường, đặc khu), ministries (tất cả bộ, ngành Trung ương) hoặc ghi như danh sách chọn.",
        "Tất cả tỉnh, thành phố",
        width=28,
        choices=CascadeGroup,
    ),
    Column(
        "cascade_within",
        "Trong phạm vi",
        "Mã đơn vị: chỉ giao cho các đơn vị của nhóm nằm trong đơn vị này (ví dụ các xã của một tỉnh).",
        "01",
        width=14,
    ),
    Column(
        "start_on",
        "Ngày bắt đầu",
        "Ngày/tháng/năm (dd/mm/yyyy) hoặc ô kiểu ngày của Excel.",
        "01/09/2025",
        width=14,
    ),
    Column(
        "deadline_kind",
        "Loại thời hạn",
        "date (trước ngày), month (trong tháng), recurring (định kỳ), none (thường xuyên) hoặc ghi như danh sách chọn. "
        "Để trống: 'trước ngày' nếu có thời hạn, 'thường xuyên' nếu không.",
        "Trước ngày",
        width=22,
        choices=DeadlineKind,
    ),
    Column(
        "deadline_on",
        "Thời hạn",
        "dd/mm/yyyy hoặc ô kiểu ngày. Với loại 'trong tháng' ghi mm/yyyy: hạn là ngày cuối tháng. "
        "Bắt buộc với loại 'trước ngày' và 'trong tháng'.",
        "31/12/2025 hoặc 12/2025",
        width=14,
    ),
    Column(
        "deadline_text",
        "Thời hạn như văn bản ghi",
        "Tối đa 255 ký tự, ví dụ 'Quý IV/2025'.",
        "Quý IV/2025",
        width=22,
    ),
    Column(
        "recurrence",
        "Báo cáo định kỳ",
        "monthly (hằng tháng), quarterly (hằng quý), none (không định kỳ). Để trống: hằng tháng.",
        "Hằng tháng",
        width=18,
        choices=Recurrence,
    ),
    Column(
        "priority",
        "Ưu tiên",
        "normal (bình thường), high (cao), critical (đặc biệt quan trọng). Để trống: bình thường.",
        "Cao",
        width=18,
        choices=Priority,
    ),
)

INDICATOR_COLUMNS = (
    Column(
        "task",
        "Mã nhiệm vụ",
        "Mã một nhiệm vụ trong trang Nhiệm vụ hoặc đã có trong văn bản.",
        "1.1",
        True,
        12,
    ),
    Column(
        "key",
        "Mã chỉ tiêu",
        "Chữ thường không dấu, số và gạch ngang, tối đa 40 ký tự; không trùng trong cùng nhiệm vụ.",
        "ty-le-dvc-truc-tuyen",
        True,
        24,
    ),
    Column("name", "Tên", "Tối đa 500 ký tự.", "Tỷ lệ dịch vụ công trực tuyến toàn trình", True, 40),
    Column("unit_of_measure", "Đơn vị tính", "Tối đa 50 ký tự, ví dụ %, hồ sơ, đơn vị.", "%", True, 12),
    Column(
        "direction",
        "Chiều",
        "higher (càng cao càng tốt) hoặc lower (càng thấp càng tốt). Để trống: càng cao càng tốt.",
        "Càng cao càng tốt",
        width=20,
        choices=Direction,
    ),
    Column(
        "baseline", "Giá trị cơ sở", "Số; dấu phẩy hoặc dấu chấm thập phân.", "45,5", width=14, numeric=True
    ),
    Column("target", "Mục tiêu", "Số.", "80", True, 12, numeric=True),
    Column("target_on", "Hạn mục tiêu", "dd/mm/yyyy hoặc ô kiểu ngày.", "31/12/2026", width=14),
    Column(
        "rollup",
        "Cách tổng hợp",
        "sum (tổng), mean (trung bình), weighted_mean (trung bình có trọng số), "
        "share_meeting_target (tỷ lệ đơn vị đạt mục tiêu) hoặc ghi như danh sách chọn.",
        "Trung bình",
        True,
        26,
        choices=Rollup,
    ),
)

SHEETS = {TASK_SHEET: TASK_COLUMNS, INDICATOR_SHEET: INDICATOR_COLUMNS}

# Other ways people write the allowed values (folded, without diacritics).
CHOICE_SYNONYMS: dict[type[models.TextChoices], dict[str, str]] = {
    CascadeGroup: {"khong": CascadeGroup.NONE, "tinh": CascadeGroup.PROVINCES, "xa": CascadeGroup.COMMUNES},
    DeadlineKind: {
        "thuong xuyen": DeadlineKind.NONE,
        "khong thoi han": DeadlineKind.NONE,
        "khong": DeadlineKind.NONE,
    },
    Recurrence: {"khong": Recurrence.NONE, "thang": Recurrence.MONTHLY, "quy": Recurrence.QUARTERLY},
    Priority: {"dac biet": Priority.CRITICAL},
    Direction: {
        "cao": Direction.HIGHER,
        "thap": Direction.LOWER,
        "tang": Direction.HIGHER,
        "giam": Direction.LOWER,
    },
    Rollup: {"trung binh trong so": Rollup.WEIGHTED_MEAN, "ty le dat muc tieu": Rollup.SHARE_MEETING_TARGET},
}


def _thousands(number: int) -> str:
    """5000 -> "5.000", as Vietnamese readers write it."""
    return f"{number:,}".replace(",", ".")


def _labels(choices: type[models.TextChoices]) -> list[str]:
    """The Vietnamese labels, whatever the active language: the template is a Vietnamese form."""
    with translation.override("vi"):
        return [str(label) for value, label in choices.choices if value]


def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    with translation.override("vi"):
        lookup = {fold_diacritics(str(label)): str(value) for value, label in choices.choices}
    lookup.update({fold_diacritics(str(value)): str(value) for value in choices.values})
    lookup.update(CHOICE_SYNONYMS.get(choices, {}))
    return lookup


# --- the template ------------------------------------------------------------------------------


def import_template_xlsx() -> bytes:
    """The import template: a guide, the two data sheets with drop-downs, and the lists."""
    workbook = Workbook()
    guide = workbook.active
    assert guide is not None  # a new workbook always has one sheet  # noqa: S101
    guide.title = GUIDE_SHEET
    _guide_write(guide)
    lists = workbook.create_sheet(LISTS_SHEET)
    list_ranges: dict[type[models.TextChoices], str] = {}
    for column in (c for columns in SHEETS.values() for c in columns if c.choices is not None):
        assert column.choices is not None  # noqa: S101 - filtered just above, for mypy
        labels = _labels(column.choices)
        index = len(list_ranges) + 1
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=column.header)
        for offset, label in enumerate(labels, start=2):
            lists.cell(row=offset, column=index, value=label)
        list_ranges[column.choices] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    for name, columns in SHEETS.items():
        sheet = workbook.create_sheet(name, index=workbook.sheetnames.index(LISTS_SHEET))
        _header_write(sheet, [(c.header, c.width) for c in columns])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            header = sheet.cell(row=1, column=index)
            header.comment = Comment(column.guide, "Thước Đo", width=320, height=120)
            if column.required:
                header.fill = REQUIRED_FILL
            if not column.numeric:
                # Text cells keep codes such as "01" and dates such as 05/06/2025 as typed.
                sheet.column_dimensions[letter].number_format = "@"
            if column.choices is not None:
                validation = DataValidation(
                    type="list", formula1=f"={list_ranges[column.choices]}", allow_blank=True
                )
                validation.showErrorMessage = False  # the English values are accepted too
                validation.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS + 1}")
                sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"
    return _workbook_bytes(workbook)


def _guide_write(sheet: Worksheet) -> None:
    notes = [
        "Mẫu nhập nhiệm vụ và chỉ tiêu của một kế hoạch, văn bản chỉ đạo",
        "Mỗi dòng của trang 'Nhiệm vụ' là một nhiệm vụ; mỗi dòng của trang 'Chỉ tiêu' là một chỉ tiêu của một nhiệm vụ.",
        "Không đổi tên trang, không đổi tên hay bỏ cột; có thể thêm cột ghi chú (hệ thống bỏ qua). "
        "Cột tô màu cam là cột bắt buộc; đưa chuột vào tên cột để xem cách ghi.",
        "Tệp được kiểm tra toàn bộ trước khi nhập: nếu có lỗi, không dòng nào được nhập và hệ thống liệt kê mọi lỗi theo dòng, cột.",
        f"Tối đa {_thousands(MAX_IMPORT_ROWS)} dòng mỗi trang, tệp .xlsx không quá {MAX_IMPORT_BYTES // 1024 // 1024} MB.",
        "Ngày ghi dd/mm/yyyy (ví dụ 31/12/2025) hoặc dùng ô kiểu ngày của Excel.",
    ]
    for row, text in enumerate(notes, start=1):
        sheet.cell(row=row, column=1, value=text).font = Font(bold=row == 1, size=14 if row == 1 else 11)
    start = len(notes) + 2
    headers = ["Trang", "Cột", "Bắt buộc", "Cách ghi, giá trị hợp lệ", "Ví dụ"]
    for index, (header, width) in enumerate(zip(headers, (14, 26, 10, 90, 34), strict=True), start=1):
        cell = sheet.cell(row=start, column=index, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    row = start + 1
    for name, columns in SHEETS.items():
        for column in columns:
            allowed = column.guide
            if column.choices is not None:
                allowed += " Danh sách chọn: " + "; ".join(_labels(column.choices)) + "."
            values = [name, column.header, "Có" if column.required else "", allowed, column.example]
            for index, value in enumerate(values, start=1):
                sheet.cell(row=row, column=index, value=value).alignment = WRAP
            row += 1
    sheet.freeze_panes = sheet.cell(row=start + 1, column=1)


# --- import: errors and the report -----------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return _("Dòng %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Dòng %(row)d, cột '%(column)s': %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    tasks: int = 0
    assignments: int = 0
    indicators: int = 0
    groups: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_by_sheet(self) -> list[tuple[str, list[RowError]]]:
        order = [FILE_LEVEL, TASK_SHEET, INDICATOR_SHEET]
        return [
            (s, [e for e in self.errors if e.sheet == s])
            for s in order
            if any(e.sheet == s for e in self.errors)
        ]


def _error_position(error: RowError) -> tuple[int, int, int]:
    """File-level problems first, then by sheet, row and column as they appear in the file."""
    headers = [c.header for c in SHEETS.get(error.sheet, ())]
    column = headers.index(error.column) if error.column in headers else len(headers)
    return ([FILE_LEVEL, *SHEETS].index(error.sheet), error.row or 0, column)


class _Abort(Exception):
    """Leaves the import's transaction so that nothing is kept."""


# --- import: reading the workbook ---------------------------------------------------------------


class _Rejected(Exception):
    """The file as a whole cannot be read; the message says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _workbook_open(file: Any) -> Any:
    """The workbook, opened read-only, of an upload that passed the size and type checks."""
    too_big = _("Tệp lớn hơn %(n)d MB.") % {"n": MAX_IMPORT_BYTES // 1024 // 1024}
    if getattr(file, "size", 0) > MAX_IMPORT_BYTES:
        raise _Rejected(too_big)
    if not str(getattr(file, "name", "") or "").lower().endswith(".xlsx"):
        raise _Rejected(
            _("Chỉ nhận tệp Excel .xlsx theo mẫu (tệp .xls, .csv hay .ods hãy lưu lại thành .xlsx).")
        )
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise _Rejected(too_big)
    corrupt = _("Tệp bị hỏng hoặc không phải tệp Excel .xlsx.")
    if not data.startswith(b"PK\x03\x04"):
        raise _Rejected(corrupt)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
        workbook = (
            None
            if inflated > MAX_UNCOMPRESSED_BYTES
            else load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        )
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise _Rejected(corrupt) from error
    if workbook is None:
        raise _Rejected(_("Tệp chứa quá nhiều dữ liệu."))
    return workbook


def _sheet_read(
    workbook: Any, sheet_name: str, columns: Sequence[Column], errors: list[RowError]
) -> list[tuple[int, dict[str, Any]]]:
    """The non-blank rows of one sheet as (row number, {column key: raw value})."""
    by_folded = {fold_diacritics(name): name for name in workbook.sheetnames}
    actual = by_folded.get(fold_diacritics(sheet_name))
    if actual is None:
        errors.append(
            RowError(FILE_LEVEL, None, "", _("Tệp thiếu trang '%(sheet)s' của mẫu.") % {"sheet": sheet_name})
        )
        return []
    sheet = workbook[actual]
    sheet.reset_dimensions()  # files from other programs often declare a wrong size
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    wanted = {fold_diacritics(c.header): c for c in columns}
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        column = wanted.get(fold_diacritics(str(value))) if value is not None else None
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [c.header for c in columns if c.key not in positions]
    if missing:
        message = _("Trang '%(sheet)s' không đúng mẫu: thiếu cột %(columns)s ở dòng đầu.") % {
            "sheet": sheet_name,
            "columns": ", ".join(f"'{m}'" for m in missing),
        }
        errors.append(RowError(FILE_LEVEL, None, "", message))
        return []
    result: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        cells = {key: values[i] if i < len(values) else None for key, i in positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        if len(result) == MAX_IMPORT_ROWS:
            message = _("Trang '%(sheet)s' có quá %(n)s dòng.") % {
                "sheet": sheet_name,
                "n": _thousands(MAX_IMPORT_ROWS),
            }
            errors.append(RowError(FILE_LEVEL, None, "", message))
            return []
        result.append((number, cells))
    return result


class _Cells:
    """One row's cells, read with the column's rules; problems go to the error list."""

    def __init__(
        self,
        sheet: str,
        columns: Sequence[Column],
        number: int,
        cells: dict[str, Any],
        errors: list[RowError],
    ) -> None:
        self.sheet, self.number, self.cells, self._errors = sheet, number, cells, errors
        self.headers = {c.key: c.header for c in columns}
        self.failed: set[str] = set()

    def error(self, key: str, message: str) -> None:
        if key not in self.failed:
            self.failed.add(key)
            self._errors.append(RowError(self.sheet, self.number, self.headers.get(key, ""), message))

    def raw(self, key: str) -> Any:
        value = self.cells.get(key)
        return None if isinstance(value, str) and not value.strip() else value

    def text(self, key: str, limit: int, *, required: bool = False) -> str:
        value = self.raw(key)
        if value is None:
            text = ""
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        elif isinstance(value, datetime):
            text = value.strftime("%d/%m/%Y")
        else:
            text = nfc(str(value))
        if required and not text:
            self.error(key, _("Bắt buộc, không được để trống."))
        elif len(text) > limit:
            self.error(key, _("Tối đa %(n)d ký tự (đang có %(m)d).") % {"n": limit, "m": len(text)})
        return text

    def choice(
        self, key: str, choices: type[models.TextChoices], default: str | None, *, required: bool = False
    ) -> str | None:
        text = self.text(key, 100)
        if not text:
            if required:
                self.error(key, _("Bắt buộc, không được để trống."))
            return default
        value = _choice_lookup(choices).get(fold_diacritics(text))
        if value is None:
            allowed = "; ".join([*(str(v) for v in choices.values if v), *_labels(choices)])
            self.error(
                key,
                _("Giá trị '%(value)s' không hợp lệ. Chỉ nhận: %(allowed)s.")
                % {"value": text, "allowed": allowed},
            )
        return value

    def date(self, key: str, *, month: bool = False) -> date | None:
        value = self.raw(key)
        if value is None:
            return None
        parsed: date | None = None
        if isinstance(value, datetime):
            parsed = value.date()
        elif isinstance(value, date):
            parsed = value
        elif isinstance(value, str):
            parsed = _date_parse(value.strip(), month=month)
        if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            expected = (
                _("tháng/năm (mm/yyyy) hoặc ngày/tháng/năm") if month else _("ngày/tháng/năm (dd/mm/yyyy)")
            )
            shown = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
            self.error(
                key, _("'%(value)s' không phải %(expected)s hợp lệ.") % {"value": shown, "expected": expected}
            )
            return None
        if month:
            return parsed.replace(day=1) + relativedelta(months=1, days=-1)
        return parsed

    def decimal(self, key: str, *, required: bool = False) -> Decimal | None:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, _("Bắt buộc, không được để trống."))
            return None
        parsed = _number_parse(value)
        if parsed is None:
            self.error(key, _("'%(value)s' không phải là số hợp lệ.") % {"value": value})
        return parsed


DATE_PATTERNS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
MONTH_RE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{4})")


def _date_parse(text: str, *, month: bool) -> date | None:
    if month and (match := MONTH_RE.fullmatch(text)):
        month_number, year = int(match.group(1)), int(match.group(2))
        return date(year, month_number, 1) if 1 <= month_number <= 12 else None
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def _number_parse(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = str(value).strip().replace(" ", "")
        if "," in text and "." in text:  # Vietnamese 1.234,5
            text = text.replace(".", "")
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
        return None
    return number


# --- import: resolving units -------------------------------------------------------------------


class _UnitResolver:
    """A unit from its code, or from its exact name, short name or another name (an
    abbreviation, a pre-2025 name), ignoring diacritics and case. A name that fits several
    units is refused: the file must then use the code."""

    def __init__(self, references: Iterable[str]) -> None:
        references = {r for r in references if r}
        codes = references | {r.upper() for r in references}
        self.by_code = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        keys = {
            fold_diacritics(r) for r in references if r not in self.by_code and r.upper() not in self.by_code
        }
        self.by_name: dict[str, list[Unit]] = {}
        self.by_alias: dict[str, list[Unit]] = {}
        if not keys:
            return
        for unit in Unit.objects.filter(is_active=True).select_related("parent"):
            for name in {fold_diacritics(unit.name), fold_diacritics(unit.short_name)}:
                if name in keys:
                    self.by_name.setdefault(name, []).append(unit)
        aliases = UnitAlias.objects.filter(name_key__in=keys, unit__is_active=True).select_related(
            "unit", "unit__parent"
        )
        for alias in aliases:
            units = self.by_alias.setdefault(alias.name_key, [])
            if alias.unit not in units:
                units.append(alias.unit)

    def resolve(self, reference: str, raw: Any) -> tuple[Unit | None, str]:
        unit = self.by_code.get(reference) or self.by_code.get(reference.upper())
        if unit is not None:
            if not unit.is_active:
                return None, _("Đơn vị %(code)s đã ngừng hoạt động.") % {"code": unit.code}
            return unit, ""
        key = fold_diacritics(reference)
        candidates = self.by_name.get(key) or self.by_alias.get(key) or []
        if len(candidates) == 1:
            return candidates[0], ""
        if candidates:
            listed = "; ".join(
                f"{u.code} — {u.name}" + (f" ({u.parent.name})" if u.parent else "") for u in candidates[:5]
            )
            return None, _("'%(name)s' trùng tên với nhiều đơn vị (%(units)s); hãy ghi mã đơn vị.") % {
                "name": reference,
                "units": listed,
            }
        message = _("Không tìm thấy đơn vị '%(name)s'. Ghi mã đơn vị hoặc đúng tên, tên viết tắt.") % {
            "name": reference
        }
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            message += " " + _("Ô đang là số: hãy định dạng ô là văn bản để giữ số 0 ở đầu mã (ví dụ 01).")
        return None, message


def _unit_references(rows: Sequence[tuple[int, dict[str, Any]]]) -> set[str]:
    references: set[str] = set()
    for _number, cells in rows:
        for key in ("lead", "cascade_within"):
            if cells.get(key) is not None:
                references.add(_plain(cells[key]))
        references.update(_split(_plain(cells.get("cooperating"))))
    return references


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


# --- import: checking rows -------------------------------------------------------------------


@dataclass
class _TaskRow:
    number: int
    spec: TaskSpec
    group_code: str
    cascade_group: str
    cascade_within: Unit | None


@dataclass
class _IndicatorRow:
    number: int
    task_code: str
    key: str
    name: str
    unit_of_measure: str
    direction: str
    baseline: Decimal | None
    target: Decimal
    target_on: date | None
    rollup: str


SPEC_FIELD_COLUMNS = {
    "code": "code",
    "title": "title",
    "deliverable": "deliverable",
    "deadline_text": "deadline_text",
    "deadline_kind": "deadline_kind",
    "deadline_on": "deadline_on",
    "recurrence": "recurrence",
    "priority": "priority",
    "cooperating_units": "cooperating",
    "units": "cooperating",
    "group": "cascade_group",
}


def _task_rows_check(
    plan: Plan, rows: Sequence[tuple[int, dict[str, Any]]], errors: list[RowError]
) -> list[_TaskRow]:
    checker = _TaskChecker(plan, rows, errors)
    return [row for number, raw in rows if (row := checker.check(number, raw)) is not None]


class _TaskChecker:
    """Checks task rows one by one, remembering what spans rows: codes seen, units found."""

    def __init__(
        self, plan: Plan, rows: Sequence[tuple[int, dict[str, Any]]], errors: list[RowError]
    ) -> None:
        self.resolver = _UnitResolver(_unit_references(rows))
        self.existing = set(Task.objects.filter(plan=plan).values_list("code", flat=True))
        self.first_row: dict[str, int] = {}
        self.cascade_ok: dict[tuple[str, int | None], bool] = {}
        self.errors = errors

    def check(self, number: int, raw: dict[str, Any]) -> _TaskRow | None:
        cells = _Cells(TASK_SHEET, TASK_COLUMNS, number, raw, self.errors)
        code = cells.text("code", 40, required=True)
        if code in self.first_row:
            cells.error("code", _("Mã nhiệm vụ trùng với dòng %(row)d.") % {"row": self.first_row[code]})
        elif code in self.existing:
            cells.error("code", _("Mã nhiệm vụ đã có trong văn bản này."))
        if code:
            self.first_row.setdefault(code, number)
        lead = self._unit(cells, "lead", required=True)
        cascade = cells.choice("cascade_group", CascadeGroup, CascadeGroup.NONE) or ""
        within = self._unit(cells, "cascade_within")
        self._cascade_check(cells, cascade, within)
        deadline_kind, deadline_on = self._deadline(cells)
        spec = TaskSpec(
            code=code,
            title=cells.text("title", 1000, required=True),
            lead_unit=lead or Unit(),
            deadline_kind=deadline_kind,
            deadline_on=deadline_on,
            deadline_text=cells.text("deadline_text", 255),
            description=cells.text("description", TEXT_LIMIT),
            deliverable=cells.text("deliverable", 1000),
            cooperating_units=self._cooperating(cells),
            start_on=cells.date("start_on"),
            recurrence=cells.choice("recurrence", Recurrence, Recurrence.MONTHLY) or Recurrence.MONTHLY,
            priority=cells.choice("priority", Priority, Priority.NORMAL) or Priority.NORMAL,
            # A task given to a whole group: the lead coordinates, the group executes.
            assign_lead=not cascade,
        )
        group_code = cells.text("group", 20)
        for name, messages in task_spec_errors(spec).items():
            key = SPEC_FIELD_COLUMNS.get(name, "")
            if key not in cells.failed:
                cells.error(key, messages[0])
        return None if cells.failed else _TaskRow(number, spec, group_code, cascade, within)

    def _unit(self, cells: _Cells, key: str, *, required: bool = False) -> Unit | None:
        reference = cells.text(key, 255, required=required)
        if not reference:
            return None
        unit, message = self.resolver.resolve(reference, cells.raw(key))
        if unit is None:
            cells.error(key, message)
        return unit

    def _cooperating(self, cells: _Cells) -> list[Unit]:
        units: list[Unit] = []
        for reference in _split(cells.text("cooperating", TEXT_LIMIT)):
            unit, message = self.resolver.resolve(reference, reference)
            if unit is None:
                cells.error("cooperating", message)
            elif unit in units:
                cells.error("cooperating", _("Đơn vị %(name)s được ghi hai lần.") % {"name": unit.name})
            else:
                units.append(unit)
        return units

    def _cascade_check(self, cells: _Cells, cascade: str, within: Unit | None) -> None:
        if within is not None and not cascade:
            cells.error("cascade_within", _("Chỉ dùng khi có giao cho nhóm."))
        elif cascade and "cascade_within" not in cells.failed:
            pair = (cascade, within.pk if within else None)
            if pair not in self.cascade_ok:
                self.cascade_ok[pair] = cascade_units(cascade, within).exists()
            if not self.cascade_ok[pair]:
                cells.error("cascade_within", _("Trong phạm vi này không có đơn vị nào của nhóm được chọn."))

    def _deadline(self, cells: _Cells) -> tuple[str, date | None]:
        kind = cells.choice("deadline_kind", DeadlineKind, None)
        if kind is None:
            # Left blank: a date makes it "before the date", no date makes it "ongoing".
            kind = DeadlineKind.DATE if cells.raw("deadline_on") is not None else DeadlineKind.NONE
        deadline_on = cells.date("deadline_on", month=kind == DeadlineKind.MONTH)
        if kind == DeadlineKind.NONE and deadline_on is not None and "deadline_kind" not in cells.failed:
            message = _(
                "Nhiệm vụ thường xuyên không có thời hạn: bỏ trống ô này hoặc chọn loại thời hạn khác."
            )
            cells.error("deadline_on", message)
        return kind, deadline_on


def _indicator_rows_check(
    plan: Plan,
    rows: Sequence[tuple[int, dict[str, Any]]],
    file_codes: set[str],
    errors: list[RowError],
) -> list[_IndicatorRow]:
    plan_codes = set(Task.objects.filter(plan=plan).values_list("code", flat=True))
    existing = set(
        Indicator.objects.filter(task__plan=plan, is_current=True).values_list("task__code", "key")
    )
    first_row: dict[tuple[str, str], int] = {}
    checked: list[_IndicatorRow] = []
    for number, raw in rows:
        cells = _Cells(INDICATOR_SHEET, INDICATOR_COLUMNS, number, raw, errors)
        task_code = cells.text("task", 40, required=True)
        key = cells.text("key", 40, required=True)
        name = cells.text("name", 500, required=True)
        unit_of_measure = cells.text("unit_of_measure", 50, required=True)
        direction = cells.choice("direction", Direction, Direction.HIGHER) or Direction.HIGHER
        baseline = cells.decimal("baseline")
        target = cells.decimal("target", required=True)
        target_on = cells.date("target_on")
        rollup = cells.choice("rollup", Rollup, None, required=True)
        if task_code and task_code not in file_codes and task_code not in plan_codes:
            cells.error(
                "task",
                _("Không có nhiệm vụ mã '%(code)s' trong trang Nhiệm vụ hay trong văn bản.")
                % {"code": task_code},
            )
        if key and "key" not in cells.failed and not slug_re.fullmatch(key):
            cells.error("key", _("Chỉ gồm chữ thường không dấu, số và gạch ngang, ví dụ ty-le-hoan-thanh."))
        if (task_code, key) in first_row:
            cells.error(
                "key",
                _("Mã chỉ tiêu trùng với dòng %(row)d của cùng nhiệm vụ.")
                % {"row": first_row[(task_code, key)]},
            )
        elif task_code in plan_codes and (task_code, key) in existing:
            cells.error(
                "key",
                _(
                    "Nhiệm vụ này đã có chỉ tiêu mã '%(key)s'; muốn đổi định nghĩa hãy sửa trên trang nhiệm vụ."
                )
                % {"key": key},
            )
        first_row.setdefault((task_code, key), number)
        if not cells.failed and target is not None and rollup is not None:
            checked.append(
                _IndicatorRow(
                    number,
                    task_code,
                    key,
                    name,
                    unit_of_measure,
                    direction,
                    baseline,
                    target,
                    target_on,
                    rollup,
                )
            )
    return checked


# --- import: the service ----------------------------------------------------------------------


def plan_import_require(*, actor: Any, plan: Plan) -> None:
    """Importing creates tasks of the plan: the same permission as `task_create`."""
    task_policy.require(actor, "manage", unit=plan.issuer or unit_root())


def plan_import_xlsx(*, actor: Any, plan: Plan, file: Any) -> ImportReport:
    """Import the tasks, cascades and indicators of a filled template into `plan`.

    Every row is checked first and every problem reported; then everything is written in
    one transaction through the services, or nothing is."""
    plan_import_require(actor=actor, plan=plan)
    errors: list[RowError] = []
    try:
        tasks, indicators = _import_check(plan, file, errors)
    except _Rejected as rejected:
        return ImportReport(errors=[RowError(FILE_LEVEL, None, "", rejected.message)])
    if errors:
        return ImportReport(errors=sorted(errors, key=_error_position))
    try:
        with transaction.atomic():
            report = _import_write(actor=actor, plan=plan, tasks=tasks, indicators=indicators, errors=errors)
            audit_record(
                actor=actor,
                action=AuditAction.DATA_LOAD,
                obj=plan,
                unit=plan.issuer,
                after={
                    "file": str(getattr(file, "name", ""))[:200],
                    "tasks": report.tasks,
                    "assignments": report.assignments,
                    "indicators": report.indicators,
                    "groups": report.groups,
                },
                reason=_("Nhập nhiệm vụ từ tệp Excel"),
            )
    except _Abort:
        return ImportReport(errors=errors)
    except IntegrityError:
        # Someone created the same code while this file was being checked.
        message = _("Dữ liệu của văn bản vừa thay đổi trong lúc nhập; không dòng nào được nhập. Hãy thử lại.")
        return ImportReport(errors=[RowError(FILE_LEVEL, None, "", message)])
    return report


def _import_check(
    plan: Plan, file: Any, errors: list[RowError]
) -> tuple[list[_TaskRow], list[_IndicatorRow]]:
    workbook = _workbook_open(file)
    try:
        task_raw = _sheet_read(workbook, TASK_SHEET, TASK_COLUMNS, errors)
        indicator_raw = _sheet_read(workbook, INDICATOR_SHEET, INDICATOR_COLUMNS, errors)
    finally:
        workbook.close()
    if errors:
        return [], []
    if not task_raw and not indicator_raw:
        raise _Rejected(_("Tệp không có dòng dữ liệu nào."))
    tasks = _task_rows_check(plan, task_raw, errors)
    file_codes = {_plain(cells.get("code")) for _number, cells in task_raw}
    return tasks, _indicator_rows_check(plan, indicator_raw, file_codes, errors)


def _import_write(
    *, actor: Any, plan: Plan, tasks: list[_TaskRow], indicators: list[_IndicatorRow], errors: list[RowError]
) -> ImportReport:
    report = ImportReport()
    groups = {g.code: g for g in TaskGroup.objects.filter(plan=plan)}
    order = max((g.order for g in groups.values()), default=-1)
    created: dict[str, Task] = {}
    for row in tasks:
        group = groups.get(row.group_code) if row.group_code else None
        if row.group_code and group is None:
            order += 1
            group = TaskGroup.objects.create(plan=plan, code=row.group_code, name=row.group_code, order=order)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=group,
                unit=plan.issuer,
                after={"code": group.code},
            )
            groups[group.code] = group
            report.groups += 1
        spec = replace(row.spec, group_id=group.pk if group else None)
        with _row_errors(TASK_SHEET, row.number, errors):
            task = task_create(actor=actor, plan=plan, spec=spec)
            if row.cascade_group:
                task_cascade(actor=actor, task=task, group=row.cascade_group, within=row.cascade_within)
        created[task.code] = task
    existing = {
        t.code: t for t in Task.objects.filter(plan=plan).exclude(pk__in=[t.pk for t in created.values()])
    }
    for item in indicators:
        with _row_errors(INDICATOR_SHEET, item.number, errors):
            indicator_define(
                actor=actor,
                task=created.get(item.task_code) or existing[item.task_code],
                key=item.key,
                name=item.name,
                unit_of_measure=item.unit_of_measure,
                target=item.target,
                rollup=item.rollup,
                direction=item.direction,
                baseline=item.baseline,
                target_on=item.target_on,
            )
    report.tasks, report.indicators = len(created), len(indicators)
    report.assignments = Assignment.objects.filter(task__in=list(created.values())).count()
    return report


@contextmanager
def _row_errors(sheet: str, number: int, errors: list[RowError]) -> Iterator[None]:
    """Turn a service's refusal of one row into that row's errors and undo the import.
    The rows were checked beforehand, so this only catches what changed meanwhile."""
    try:
        yield
    except AppError as error:
        if error.status == 403:
            raise
        messages = [m for msgs in error.fields.values() for m in msgs] or [str(error.message)]
        errors.extend(RowError(sheet, number, "", m) for m in messages)
        raise _Abort from error


# --- exports -----------------------------------------------------------------------------------


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_write(sheet: Worksheet, headers: Sequence[tuple[str, int]]) -> None:
    for index, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _table_write(sheet: Worksheet, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]) -> None:
    """A header row (frozen, filtered) and the rows; dates as dd/mm/yyyy, text kept as text."""
    _header_write(sheet, headers)
    row_number = 1
    for row_number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            _cell_write(sheet, row_number, index, value)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(row_number, 1)}"


def _cell_write(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    if isinstance(value, datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        cell = sheet.cell(row=row, column=column, value=value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text that starts with "=" stays text, never a formula
    else:
        sheet.cell(row=row, column=column, value=value)


def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    with translation.override("vi"):
        return str(dict(choices.choices).get(value, value)) if value else ""


def _info_sheet(workbook: Workbook, pairs: Sequence[tuple[str, Any]]) -> None:
    sheet = workbook.create_sheet("Thông tin")
    _table_write(sheet, [("Mục", 28), ("Nội dung", 80)], pairs)


def plan_export_xlsx(*, plan: Plan, today: date | None = None) -> bytes:
    """A plan's tasks with their assignments counted by colour, and its indicators."""
    today = today or timezone.localdate()
    tasks = list(selectors.task_list(plan=plan).prefetch_related("cooperating_units"))
    counts = selectors.task_colour_counts(tasks=tasks, today=today)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101
    sheet.title = TASK_SHEET
    headers = [
        ("Mã nhiệm vụ", 12),
        ("Tên nhiệm vụ", 50),
        ("Nhóm", 10),
        ("Đơn vị chủ trì", 30),
        ("Mã đơn vị chủ trì", 12),
        ("Đơn vị phối hợp", 30),
        ("Giao cho nhóm", 24),
        ("Ngày bắt đầu", 13),
        ("Loại thời hạn", 18),
        ("Thời hạn", 13),
        ("Thời hạn như văn bản ghi", 20),
        ("Báo cáo định kỳ", 15),
        ("Ưu tiên", 14),
        ("Số lượt giao", 10),
        ("Xanh", 8),
        ("Vàng", 8),
        ("Đỏ", 8),
        ("Quá hạn", 9),
        ("Đã hoàn thành", 11),
    ]
    rows = []
    for task in tasks:
        c = counts.get(task.pk, {})
        rows.append(
            [
                task.code,
                task.title,
                task.group.code if task.group else "",
                task.lead_unit.name,
                task.lead_unit.code,
                "; ".join(u.name for u in task.cooperating_units.all()),
                _choice_label(CascadeGroup, task.cascade_group),
                task.start_on,
                _choice_label(DeadlineKind, task.deadline_kind),
                task.deadline_on,
                task.deadline_text,
                _choice_label(Recurrence, task.recurrence),
                _choice_label(Priority, task.priority),
                c.get("total", 0),
                c.get("green", 0),
                c.get("amber", 0),
                c.get("red", 0),
                c.get("overdue", 0),
                c.get("done_on_time", 0) + c.get("done_late", 0),
            ]
        )
    _table_write(sheet, headers, rows)
    indicators = (
        Indicator.objects.filter(task__plan=plan, is_current=True)
        .select_related("task")
        .order_by("task__code", "key")
    )
    _table_write(
        workbook.create_sheet(INDICATOR_SHEET),
        [(c.header, c.width) for c in INDICATOR_COLUMNS] + [("Phiên bản", 10)],
        (
            [
                i.task.code,
                i.key,
                i.name,
                i.unit_of_measure,
                _choice_label(Direction, i.direction),
                i.baseline,
                i.target,
                i.target_on,
                _choice_label(Rollup, i.rollup),
                i.version,
            ]
            for i in indicators
        ),
    )
    _info_sheet(
        workbook,
        [
            ("Số hiệu", plan.number),
            ("Trích yếu", plan.title),
            ("Loại văn bản", _choice_label(PlanKind, plan.kind)),
            ("Ngày ban hành", plan.issued_on),
            ("Cơ quan ban hành", plan.issuer.name if plan.issuer else ""),
            ("Số nhiệm vụ", len(tasks)),
            ("Tình trạng tính đến ngày", today),
        ],
    )
    return _workbook_bytes(workbook)


SCORECARD_HEADERS = [
    ("Hạng", 7),
    ("Mã đơn vị", 11),
    ("Đơn vị", 36),
    ("Lượt giao", 10),
    ("Xanh", 8),
    ("Vàng", 8),
    ("Đỏ", 8),
    ("Tỷ lệ xanh (%)", 11),
    ("Quá hạn", 9),
    ("Có nguy cơ chậm", 11),
    ("Hoàn thành đúng hạn", 12),
    ("Hoàn thành trễ hạn", 12),
    ("Tỷ lệ hoàn thành đúng hạn (%)", 14),
    ("Báo cáo đúng kỳ (%)", 12),
    ("Hệ số xác minh (%)", 12),
]


def _scorecard_values(card: selectors.Scorecard) -> list[Any]:
    return [
        card.total,
        card.green,
        card.amber,
        card.red,
        card.green_share,
        card.overdue,
        card.at_risk,
        card.done_on_time,
        card.done_late,
        card.on_time_completion_rate,
        card.reporting_timeliness,
        card.verification_factor,
    ]


def scorecards_export_xlsx(*, plan: Plan | None = None, today: date | None = None) -> bytes:
    """The league tables of provinces and ministries, and the national scorecard: the
    same public numbers as the league page."""
    today = today or timezone.localdate()
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # noqa: S101
    workbook.remove(first)
    provinces = selectors.league_table(level=UnitLevel.PROVINCE, plan=plan, today=today)
    _table_write(
        workbook.create_sheet("Tỉnh, thành phố"),
        [*SCORECARD_HEADERS, ("Xã có nhiệm vụ", 11), ("Xã xanh toàn bộ", 11)],
        (
            [
                rank,
                c.unit.code if c.unit else "",
                c.unit.name if c.unit else "",
                *_scorecard_values(c),
                c.communes_with_tasks,
                c.communes_fully_green,
            ]
            for rank, c in enumerate(provinces, start=1)
        ),
    )
    ministries = selectors.league_table(level=UnitLevel.CENTRAL, plan=plan, today=today)
    _table_write(
        workbook.create_sheet("Bộ, ngành"),
        SCORECARD_HEADERS,
        (
            [rank, c.unit.code if c.unit else "", c.unit.name if c.unit else "", *_scorecard_values(c)]
            for rank, c in enumerate(ministries, start=1)
        ),
    )
    root = unit_root()
    card = selectors.unit_scorecard(unit=root, plan=plan, today=today)
    labels = [header for header, _width in SCORECARD_HEADERS[3:]]
    national = [
        ("Phạm vi", root.name),
        ("Văn bản", plan.number if plan else "Tất cả"),
        ("Tính đến ngày", today),
        *zip(labels, _scorecard_values(card), strict=True),
        ("Xã có nhiệm vụ", card.communes_with_tasks),
        ("Xã xanh toàn bộ", card.communes_fully_green),
    ]
    _table_write(workbook.create_sheet("Toàn quốc"), [("Chỉ số", 34), ("Giá trị", 24)], national)
    return _workbook_bytes(workbook)


def reports_export_xlsx(*, actor: Any, assignment: Assignment) -> bytes:
    """Every version of every report of one assignment, with indicator values. Reports
    are not public: the actor needs the report view permission over the unit."""
    report_policy.require(actor, "view", unit=assignment.unit)
    reports = list(selectors.report_history(actor=actor, assignment=assignment))
    keys: list[tuple[str, str]] = []
    for report in reports:
        for value in report.values.all():
            label = (value.indicator.key, f"{value.indicator.name} ({value.indicator.unit_of_measure})")
            if label[0] not in [k for k, _name in keys]:
                keys.append(label)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101
    sheet.title = "Báo cáo"
    headers = [
        ("Kỳ báo cáo", 11),
        ("Phiên bản", 9),
        ("Hiện hành", 9),
        ("Trạng thái", 13),
        ("Tiến độ (%)", 9),
        ("Kết quả thực hiện", 50),
        ("Khó khăn, vướng mắc", 40),
        ("Đề xuất, kiến nghị", 40),
        *((name, 18) for _key, name in keys),
        ("Số minh chứng", 10),
        ("Gửi lúc", 16),
        ("Người gửi", 22),
        ("Xem xét lúc", 16),
        ("Người xem xét", 22),
        ("Lý do trả lại", 30),
        ("Kiểm tra độc lập", 16),
    ]
    rows = []
    for report in reports:
        values = {v.indicator.key: v.value for v in report.values.all()}
        verification = next(iter(report.verifications.all()), None)
        with translation.override("vi"):
            status = str(report.get_status_display())
            checked = str(verification.get_status_display()) if verification else ""
        rows.append(
            [
                report.period.strftime("%m/%Y"),
                report.version,
                "Có" if report.is_current else "Không",
                status,
                report.progress,
                report.narrative,
                report.obstacles,
                report.proposals,
                *(values.get(key) for key, _name in keys),
                len(report.evidence.all()),
                report.submitted_at,
                report.created_by.display_name,
                report.reviewed_at,
                report.reviewed_by.display_name if report.reviewed_by else "",
                report.return_reason,
                checked,
            ]
        )
    _table_write(sheet, headers, rows)
    task = assignment.task
    with translation.override("vi"):
        role = str(assignment.get_role_display())
    _info_sheet(
        workbook,
        [
            ("Văn bản", task.plan.number),
            ("Nhiệm vụ", f"{task.code}. {task.title}"),
            ("Đơn vị thực hiện", f"{assignment.unit.name} ({role})"),
            ("Đơn vị chủ trì", task.lead_unit.name),
            ("Thời hạn", task.deadline_on),
            ("Số báo cáo (mọi phiên bản)", len(reports)),
            ("Xuất lúc", timezone.now()),
        ],
    )
    return _workbook_bytes(workbook)


def export_filename(*parts: str) -> str:
    """An ASCII file name: "nhiem-vu-05-tb-bcdtw.xlsx"."""
    words = [re.sub(r"[^a-z0-9]+", "-", fold_diacritics(p)).strip("-") for p in parts if p]
    return "-".join(w for w in words if w)[:120] + ".xlsx"
