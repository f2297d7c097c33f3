"""Seal what is pending, then walk the audit hash chain and report the first broken link.
Exit status 1 when broken."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from thuocdo.audit.services import audit_chain_seal, audit_chain_verify


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của nhật ký kiểm toán (chuỗi băm)."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = audit_chain_seal()
        if sealed:
            self.stdout.write(f"Đã niêm phong {sealed} mục mới vào chuỗi băm.")
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Nhật ký toàn vẹn: {report.checked} mục, chuỗi băm khớp."))
            return
        broken = report.first_break
        assert broken is not None  # noqa: S101 - narrowed by report.ok
        raise CommandError(
            f"Nhật ký bị sửa hoặc xoá: mắt xích hỏng đầu tiên là mục #{broken.seq}"
            f"{f' (id {broken.event_id})' if broken.event_id else ''}: {broken.problem}. "
            f"{report.checked} mục trước đó vẫn khớp."
        )
