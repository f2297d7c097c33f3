"""Train a new version of the routing classifier from handled cases, now or as a job."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from thuocdo.feedback.classifier import TrainingSkipped, routing_model_train_or_explain
from thuocdo.feedback.tasks import routing_model_train_job


class Command(BaseCommand):
    help = "Huấn luyện lại mô hình phân loại phản ánh, kiến nghị từ các hồ sơ đã xử lý."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Đưa vào hàng đợi công việc nền thay vì chạy ngay."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = routing_model_train_job.enqueue()
            self.stdout.write(f"Đã đưa vào hàng đợi: {result.id}")
            return
        try:
            model = routing_model_train_or_explain()
        except TrainingSkipped as skipped:
            self.stdout.write(f"Không huấn luyện: {skipped}")
            return
        state = "đang dùng" if model.is_active else "không dùng (kém chính xác hơn phiên bản đang dùng)"
        self.stdout.write(
            f"Phiên bản {model.version}: độ chính xác {model.accuracy:.1%} trên {model.held_out} mẫu kiểm tra"
            f" ({model.trained_on} mẫu học, {model.label_count} đơn vị); {state}."
        )
