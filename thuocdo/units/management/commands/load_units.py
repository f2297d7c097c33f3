"""Load or refresh the organisation: central bodies from the repository, provinces and
communes (with their pre-2025 names) from the official dataset. Safe to run again."""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from thuocdo.units.datasets import read_official_dataset
from thuocdo.units.services import units_load


class Command(BaseCommand):
    help = "Nạp/cập nhật danh mục đơn vị (Trung ương, 34 tỉnh, 3.321 xã) — chạy lại an toàn."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        interactive = sys.stdout.isatty()

        def progress(stage: str, done: int, total: int) -> None:
            if verbosity < 1:
                return
            percent = 100 * done // max(total, 1)
            line = f"  {stage}: {done}/{total} ({percent}%)"
            if interactive:
                self.stdout.write("\r" + line, ending="" if done < total else "\n")
            elif done == total or percent % 25 == 0:
                self.stdout.write(line)

        dataset = read_official_dataset()
        self.stdout.write(
            f"Nguồn: {dataset.version}; {len(dataset.units)} đơn vị, {len(dataset.aliases)} tên cũ."
        )
        report = units_load(dataset=dataset, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong: {report.created} mới, {report.updated} cập nhật, {report.unchanged} không đổi, "
                f"{report.deactivated} ngừng hoạt động; tên gọi khác: +{report.aliases_created} "
                f"-{report.aliases_removed}."
            )
        )
        for rename in report.renamed[:20]:
            self.stdout.write(f"  đổi tên {rename['code']}: {rename['before']} → {rename['after']}")
