from typing import Any

from django.core.management.base import BaseCommand

from thuocdo.initiatives.services import rubric_default_load, strategic_areas_load


class Command(BaseCommand):
    help = (
        "Nạp danh mục lĩnh vực công nghệ chiến lược (data/strategic_areas.toml) và bộ tiêu chí "
        "chấm điểm mặc định khi chưa có. Chạy lại nhiều lần không thay đổi gì thêm."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = strategic_areas_load()
        rubric = rubric_default_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Lĩnh vực: {counts['created']} mới, {counts['updated']} cập nhật, "
                f"{counts['deactivated']} ngừng dùng. "
                + (f"Đã tạo bộ tiêu chí: {rubric.name}." if rubric else "Bộ tiêu chí đã có, giữ nguyên.")
            )
        )
