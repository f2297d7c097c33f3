from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.demo import demo_people_seed
from thuocdo.accounts.models import Role


class Command(BaseCommand):
    help = "Tạo người dùng mẫu (mỗi vai trò một người) và in mật khẩu. Chỉ dùng cho bản chạy thử."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG=False.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Người dùng mẫu chỉ dành cho bản chạy thử (DEBUG=True). Dùng --force nếu chắc chắn."
            )
        people = demo_people_seed()
        labels = dict(Role.choices)
        self.stdout.write(self.style.SUCCESS("Người dùng mẫu (tên đăng nhập / mật khẩu — vai trò @ đơn vị):"))
        for person, password in people:
            self.stdout.write(
                f"  {person.username:<16} {password:<14} {labels[person.role]} @ {person.unit_code}"
                f"{' (quản trị)' if person.is_staff else ''}"
            )
