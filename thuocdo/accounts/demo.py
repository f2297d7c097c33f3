"""Demo people for `make run`: one per role, in real units. Like `load_units`, this is a
data load run by the system, not a user action: rows are written directly and the load is
recorded as one audit event. Passwords are random per installation and kept in var/."""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.units.selectors import unit_get

from .models import Role, RoleAssignment, User


@dataclass(frozen=True)
class DemoPerson:
    username: str
    full_name: str
    position: str
    role: str
    unit_code: str
    is_staff: bool = False


DEMO_PEOPLE = [
    DemoPerson(
        "vanphong", "Nguyễn Thị Thu Hà", "Chuyên viên Văn phòng Trung ương Đảng", Role.ADMIN, "BCDTW", True
    ),
    DemoPerson("kiemtra", "Trần Quốc Bảo", "Kiểm tra viên, Tổ Giúp việc", Role.VERIFIER, "BCDTW"),
    DemoPerson("chuyengia", "PGS.TS. Lê Minh Khoa", "Thành viên Hội đồng Tư vấn", Role.EXPERT, "HDTV"),
    DemoPerson("lanhdao.hanoi", "Phạm Văn Đức", "Bí thư Thành ủy Hà Nội", Role.LEADER, "01"),
    DemoPerson("quantri.hanoi", "Đỗ Thị Lan", "Quản trị hệ thống, Thành phố Hà Nội", Role.ADMIN, "01", True),
    DemoPerson(
        "canbo.badinh", "Hoàng Văn Nam", "Công chức Văn phòng UBND phường Ba Đình", Role.OFFICER, "00004"
    ),
    DemoPerson("canbo.bokhcn", "Vũ Thị Mai", "Chuyên viên Bộ Khoa học và Công nghệ", Role.OFFICER, "BO-KHCN"),
    DemoPerson("xem.congchung", "Bùi Anh Tuấn", "Phóng viên (chỉ xem)", Role.VIEWER, "BCDTW"),
]


def credentials_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo-credentials.json"


def demo_people_seed() -> list[tuple[DemoPerson, str]]:
    """Create or refresh the demo people. Returns each with its password."""
    path = credentials_file()
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    result = []
    with transaction.atomic():
        for person in DEMO_PEOPLE:
            password = saved.get(person.username) or secrets.token_urlsafe(9)
            user, _created = User.objects.get_or_create(username=person.username)
            user.full_name, user.position, user.is_staff = person.full_name, person.position, person.is_staff
            user.email = f"{person.username}@demo.thuocdo.local"
            user.set_password(password)
            user.save()
            RoleAssignment.objects.get_or_create(
                user=user, unit=unit_get(code=person.unit_code), role=person.role
            )
            saved[person.username] = password
            result.append((person, password))
        audit_record(
            actor=None,
            action=AuditAction.DATA_LOAD,
            object_type="accounts.user",
            object_repr="demo people",
            after={"usernames": [person.username for person, _password in result]},
            reason="seed_demo",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2))
    path.chmod(0o600)
    return result
