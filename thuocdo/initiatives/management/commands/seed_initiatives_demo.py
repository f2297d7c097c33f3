from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.models import User
from thuocdo.delivery.models import Program
from thuocdo.initiatives.demo import EXPERT_USERNAMES, OFFICE_USERNAME, initiatives_demo_load


class Command(BaseCommand):
    help = (
        "Nạp 5 sáng kiến đột phá minh hoạ (đánh dấu là dữ liệu minh hoạ): 2 đang thẩm định, "
        "1 được lựa chọn và trở thành nhiệm vụ theo dõi; thêm chuyên gia minh hoạ chuyengia2."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG=False.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Dữ liệu mẫu chỉ dành cho bản chạy thử (DEBUG=True). Dùng --force nếu chắc chắn."
            )
        if not User.objects.filter(username__in=[OFFICE_USERNAME, EXPERT_USERNAMES[0]]).count() == 2:
            raise CommandError("Chạy `manage.py seed_demo` trước: cần người dùng vanphong và chuyengia.")
        if not Program.objects.exists():
            raise CommandError(
                "Chạy `manage.py seed_monitoring_demo` trước: sáng kiến được lựa chọn cần một chương trình."
            )
        added = initiatives_demo_load(notify=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Đã thêm {added} sáng kiến minh hoạ."))
