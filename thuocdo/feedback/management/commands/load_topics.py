"""Load the feedback topics from data/topics.toml (idempotent; codes are stable)."""

from typing import Any

from django.core.management.base import BaseCommand

from thuocdo.feedback.config import topics_load


class Command(BaseCommand):
    help = "Nạp danh mục lĩnh vực tiếp nhận phản ánh, kiến nghị."

    def handle(self, *args: Any, **options: Any) -> None:
        created, updated = topics_load()
        self.stdout.write(f"Lĩnh vực: {created} mới, {updated} cập nhật.")
