"""File the feedback desk's demo items through the real services (idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from thuocdo.feedback.demo import feedback_demo_load


class Command(BaseCommand):
    help = (
        "Nạp khoảng 60 phản ánh, kiến nghị minh hoạ với lịch sử xử lý hai tháng (chạy lại không tạo trùng)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG=False.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Dữ liệu mẫu chỉ dành cho bản chạy thử (DEBUG=True). Dùng --force nếu chắc chắn."
            )
        result = feedback_demo_load(notify=self.stdout.write)
        if result.skipped:
            self.stdout.write("Đã có dữ liệu minh hoạ; không nạp thêm.")
        counts = ", ".join(f"{name}: {value}" for name, value in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Phản ánh minh hoạ — {counts}."))
