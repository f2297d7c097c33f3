"""Written-out SQL hydrates the same instances as the ORM, on SQLite and PostgreSQL."""

from typing import Any

import pytest
from django.db import connection

from thuocdo.core import rawsql
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db


def fields_of(obj: Any) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_a_joined_row_gives_the_same_instances_as_the_orm(user_factory: Any, ba_dinh: Unit) -> None:
    from thuocdo.accounts.models import User

    user = user_factory(username="raw.sql")
    sql = (
        f"SELECT {rawsql.columns(User, 'x')}, {rawsql.columns(Unit, 'y')}, 42 "  # noqa: S608
        "FROM accounts_user x, units_unit y WHERE x.id = %s AND y.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, ba_dinh.pk])
        row = cursor.fetchone()

    raw_user, index = rawsql.instance(User, row)
    raw_unit, index = rawsql.instance(Unit, row, index)

    assert row[index:] == (42,)
    assert fields_of(raw_user) == fields_of(User.objects.get(pk=user.pk))
    assert fields_of(raw_unit) == fields_of(Unit.objects.get(pk=ba_dinh.pk))
    assert raw_unit.parent_id == ba_dinh.parent_id and not raw_unit._state.adding


def test_insert_stores_what_the_orm_would_store(ba_dinh: Unit) -> None:
    by_orm = Unit.objects.get(pk=ba_dinh.pk)
    copy = Unit.objects.get(pk=ba_dinh.pk)
    copy.pk, copy.code, copy.path = None, "RAW-1", f"{ba_dinh.path}-raw"
    copy.created_at = copy.updated_at = None  # type: ignore[assignment] # auto_now(_add) fill them

    rawsql.insert(copy)

    assert copy.pk is not None and copy.pk != ba_dinh.pk and not copy._state.adding
    stored = Unit.objects.get(pk=copy.pk)
    assert stored.created_at is not None and stored.updated_at is not None
    assert fields_of(stored) == fields_of(copy)
    differs = {"id", "code", "path", "created_at", "updated_at"}
    assert {k: v for k, v in fields_of(stored).items() if k not in differs} == {
        k: v for k, v in fields_of(by_orm).items() if k not in differs
    }


def test_update_writes_only_the_named_fields(ba_dinh: Unit) -> None:
    unit = Unit.objects.get(pk=ba_dinh.pk)
    unit.latitude, unit.short_name, unit.name = 21.5, "Ba Đình (mới)", "not written"

    rawsql.update(unit, ["latitude", "short_name"])

    stored = Unit.objects.get(pk=ba_dinh.pk)
    assert (stored.latitude, stored.short_name, stored.name) == (21.5, "Ba Đình (mới)", ba_dinh.name)


def test_update_of_a_missing_row_raises(ba_dinh: Unit) -> None:
    unit = Unit.objects.get(pk=ba_dinh.pk)
    unit.pk = 10**9

    with pytest.raises(Unit.DoesNotExist):
        rawsql.update(unit, ["latitude"])


def test_update_many_writes_each_row_its_own_values(user_factory: Any) -> None:
    from django.utils import timezone

    from thuocdo.accounts.models import User

    users = [user_factory(username=f"many.{n}") for n in range(3)]
    other = user_factory(username="untouched", first_name="Giữ nguyên")
    when = timezone.now().replace(microsecond=0)
    last_names = [user.last_name for user in users]
    for n, user in enumerate(users):
        user.first_name, user.last_login = f"Tên {n}", when if n % 2 else None
        user.last_name = "not written"

    assert rawsql.update_many(users, ["first_name", "last_login"]) == 3
    assert rawsql.update_many([], ["first_name"]) == 0

    stored = {u.username: u for u in User.objects.filter(username__startswith="many.")}
    for n in range(3):
        user = stored[f"many.{n}"]
        assert (user.first_name, user.last_login, user.last_name) == (
            f"Tên {n}",
            when if n % 2 else None,
            last_names[n],
        )
    assert User.objects.get(pk=other.pk).first_name == "Giữ nguyên"


def test_insert_keeps_an_explicit_primary_key(ba_dinh: Unit) -> None:
    copy = Unit.objects.get(pk=ba_dinh.pk)
    copy.pk, copy.code, copy.path = 10**8, "RAW-2", f"{ba_dinh.path}-raw2"

    rawsql.insert(copy)

    assert copy.pk == 10**8 and Unit.objects.get(pk=10**8).code == "RAW-2"


def _new_unit(template: Unit, code: str) -> Unit:
    copy = Unit.objects.get(pk=template.pk)
    copy.pk, copy.code, copy.path = None, code, f"{template.path}-{code.lower()}"
    return copy


def test_insert_pair_stores_both_rows_linked(ba_dinh: Unit, django_assert_num_queries: Any) -> None:
    parent, child = _new_unit(ba_dinh, "PAIR-P"), _new_unit(ba_dinh, "PAIR-C")
    child.parent = None

    statements = 1 if connection.vendor == "postgresql" else 4  # SQLite: savepoint, 2 inserts, release
    with django_assert_num_queries(statements):
        rawsql.insert_pair(parent, child, "parent")

    assert parent.pk is not None and child.pk is not None and child.parent_id == parent.pk
    assert not parent._state.adding and not child._state.adding
    assert fields_of(Unit.objects.get(pk=parent.pk)) == fields_of(parent)
    assert fields_of(Unit.objects.get(pk=child.pk)) == fields_of(child)


def test_insert_pair_writes_nothing_when_the_child_fails(ba_dinh: Unit) -> None:
    from django.db import IntegrityError, transaction

    parent, child = _new_unit(ba_dinh, "PAIR-ALONE"), _new_unit(ba_dinh, ba_dinh.code)  # code taken

    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.insert_pair(parent, child, "parent")

    assert not Unit.objects.filter(code="PAIR-ALONE").exists()


def test_insert_pair_needs_a_foreign_key_to_the_parent(ba_dinh: Unit) -> None:
    with pytest.raises(TypeError):
        rawsql.insert_pair(_new_unit(ba_dinh, "PAIR-X"), _new_unit(ba_dinh, "PAIR-Y"), "code")
