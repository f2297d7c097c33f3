from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from thuocdo.core.errors import AppError
from thuocdo.workdays.services import calendar_seed


class Command(BaseCommand):
    help = (
        "Khởi tạo lịch ngày làm việc từ gói holidays cho các năm chưa có "
        "(mặc định: năm trước, năm nay và hai năm sau). Năm đã có được giữ nguyên."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--year", type=int, action="append", dest="years", help="Năm cần khởi tạo (có thể lặp lại)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        this_year = timezone.localdate().year
        years = options["years"] or [this_year - 1, this_year, this_year + 1, this_year + 2]
        try:
            results = calendar_seed(years=years)
        except AppError as error:
            raise CommandError(
                "; ".join([str(error.message), *(m for msgs in error.fields.values() for m in msgs)])
            ) from error
        for year, created in results:
            self.stdout.write(
                f"{year}: " + ("đã khởi tạo từ gói holidays" if created else "đã có, giữ nguyên")
            )
