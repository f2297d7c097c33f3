"""Model instances from hand-written SQL, hydrated as the ORM would hydrate them.

A few write paths run one fixed-shape query per request, hundreds of times a second (a
report submission, for one). Compiling such a query through the ORM costs several times
more CPU than PostgreSQL spends running it. These helpers let that path keep its SQL as
a constant and still hand ordinary model instances to the rest of the code: the columns
of a model are listed from its `_meta`, and every value goes through the same database
and field converters the ORM applies (dates on SQLite, decimals, JSON, ...). See
docs/decisions/0038-audit-sealed-after-commit.md for why the write paths matter.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

ModelT = TypeVar("ModelT", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]


def columns(model: type[models.Model], alias: str) -> str:
    """`alias."col", alias."col2", ...` for every concrete field, in `_meta` order."""
    return _columns(model, alias, connection.vendor)


@cache
def _columns(model: type[models.Model], alias: str, vendor: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@cache
def _hydration(model: type[models.Model], vendor: str) -> tuple[list[str], list[tuple[Any, list[Converter]]]]:
    names, converters = [], []
    for field in model._meta.concrete_fields:
        expression = field.get_col(model._meta.db_table)
        names.append(field.attname)
        converters.append(
            (
                expression,
                connection.ops.get_db_converters(expression) + expression.get_db_converters(connection),
            )
        )
    return names, converters


def instance(model: type[ModelT], row: Sequence[Any], start: int = 0) -> tuple[ModelT, int]:
    """The instance of `model` whose columns (as listed by `columns`) begin at `row[start]`,
    and the index just after them."""
    names, converters = _hydration(model, connection.vendor)
    values = list(row[start : start + len(names)])
    for index, (expression, functions) in enumerate(converters):
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    return model.from_db(connection.alias, names, values), start + len(names)
