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
