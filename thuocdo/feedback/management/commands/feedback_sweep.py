"""Run the feedback deadline clock once, or start its recurring job."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from thuocdo.feedback.services.clock import cases_sweep
from thuocdo.feedback.tasks import sweep_schedule_next


class Command(BaseCommand):
    help = "Nhắc hạn, báo cáo quá hạn, đóng hồ sơ hết thời hạn khiếu nại (chạy một lần hoặc lên lịch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help="Đưa vào hàng đợi công việc nền, tự lặp lại định kỳ."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            if sweep_schedule_next():
                self.stdout.write("Đã lên lịch rà soát thời hạn định kỳ.")
                return
            self.stdout.write("Hàng đợi hiện tại không hỗ trợ hẹn giờ; chạy một lần.")
        result = cases_sweep()
        self.stdout.write(
            f"Nhắc 50%: {result.reminded_50}, nhắc 80%: {result.reminded_80}, báo cáo quá hạn: {result.escalated}, "
            f"hết hạn chuyển: {result.transfer_window_closed}, đóng: {result.closed}"
        )
