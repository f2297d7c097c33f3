from typing import Any

from django.core.management.base import BaseCommand

from thuocdo.audit.tasks import audit_chain_check


class Command(BaseCommand):
    help = "Đưa việc kiểm tra chuỗi băm nhật ký vào hàng đợi công việc nền."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_check.enqueue()
        self.stdout.write(f"Đã đưa vào hàng đợi: {result.id}")
