import pytest
from thuocdo.units.selectors import unit_resolve_legacy
pytestmark = pytest.mark.django_db
def test_p():
    print("R1", [(u.code, u.name) for u in unit_resolve_legacy(name="Xã Phú Lưu", province="Hà Nội")])
    print("R2", [(u.code, u.name) for u in unit_resolve_legacy(name="Ba Vì", province="Hà Nội")])
    print("R3", [(u.code, u.name) for u in unit_resolve_legacy(name="Huyện Ba Vì", province="Hà Nội")])
    print("R4", [(u.code, u.name) for u in unit_resolve_legacy(name="Xã Tả Van", province="Lào Cai")])
