from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.models import User
from thuocdo.delivery.demo import monitoring_demo_load, monitoring_history_simulate


class Command(BaseCommand):
    help = "Nạp Nghị quyết 57 và các nhiệm vụ thật của 05-TB/BCĐTW, kèm lịch sử báo cáo mô phỏng."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG=False.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Dữ liệu mẫu chỉ dành cho bản chạy thử (DEBUG=True). Dùng --force nếu chắc chắn."
            )
        actor = User.objects.filter(username="vanphong").first()
        if actor is None:
            raise CommandError(
                "Chạy `manage.py seed_demo` trước: cần người dùng vanphong (quản trị Trung ương)."
            )
        plan = monitoring_demo_load(actor=actor, notify=self.stdout.write)
        written = monitoring_history_simulate(plan=plan)
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.number}: {plan.tasks.count()} nhiệm vụ; {written} báo cáo mô phỏng mới."
            )
        )
