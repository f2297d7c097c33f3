import pytest
from thuocdo.accounts.services import user_create
pytestmark = pytest.mark.django_db
def test_login_plain(client, user_factory):
    user_factory(username="x1")
    try:
        print("LOGIN", client.login(username="x1", password="Mat-khau-thu-nghiem-2025"))
    except Exception as e:
        print("LOGIN EXC", type(e), e)
def test_long(admin_user):
    try:
        u = user_create(actor=admin_user, username="a"*151, password="Ngay-mai-troi-lai-sang-2025")
        print("LONG OK", len(u.username))
    except Exception as e:
        print("LONG EXC", type(e), e)
    try:
        u = user_create(actor=admin_user, username="có dấu cách", password="Ngay-mai-troi-lai-sang-2025", email="not an email")
        print("SPACE OK", u.username, u.email)
    except Exception as e:
        print("SPACE EXC", type(e), e)
