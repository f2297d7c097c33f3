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

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

ModelT = TypeVar("ModelT", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]


def _connection() -> BaseDatabaseWrapper:
    # The default connection itself: `django.db.connection` is a proxy that finds it again
    # on every attribute read (a thread-local lookup), a microsecond each, and the field
    # preparations below read it several times per value.
    return connections[DEFAULT_DB_ALIAS]


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
    db = _connection()
    names, converters = _hydration(model, db.vendor)
    values = list(row[start : start + len(names)])
    for index, (expression, functions) in enumerate(converters):
        for convert in functions:
            values[index] = convert(values[index], expression, db)
    return model.from_db(db.alias, names, values), start + len(names)


def insert(obj: ModelT) -> ModelT:
    """INSERT `obj` as `obj.save(force_insert=True)` would (field defaults, `auto_now_add`,
    the same value preparation; the new primary key is set on it), from a statement built
    once per model instead of compiled per call. No model signals are sent: the models
    written this way have no receivers, by the house rule of no business logic in signals."""
    model = type(obj)
    db = _connection()
    sql, fields, generated, returns_pk = _insert_sql(model, db.vendor)
    if generated and obj.pk is not None:  # an explicit id for an auto id: the ORM's way
        obj.save(force_insert=True)
        return obj
    params = [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if generated:
            obj.pk = cursor.fetchone()[0] if returns_pk else cursor.lastrowid
    obj._state.adding, obj._state.db = False, db.alias
    return obj


@cache
def _insert_sql(
    model: type[models.Model], vendor: str
) -> tuple[str, list[models.Field[Any, Any]], bool, bool]:
    """The statement, the fields it writes, whether the database generates the primary
    key, and whether the statement returns it."""
    meta = model._meta
    pk = meta.pk
    if pk is None:
        raise TypeError(f"{model.__name__} has no primary key")
    auto_pk = isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    fields = [field for field in meta.concrete_fields if not (auto_pk and field is pk)]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from _meta
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returns_pk = auto_pk and connection.features.can_return_columns_from_insert
    if returns_pk:
        sql += f" RETURNING {quote(pk.column)}"
    return sql, fields, auto_pk, returns_pk


def insert_pair(parent: models.Model, child: models.Model, link: str) -> None:
    """INSERT `parent`, then `child` pointing at it through its foreign key `link`, as
    `insert(parent)` and `insert(child)` in one transaction would; both get their new
    primary keys. On PostgreSQL this is one statement (`WITH parent AS (INSERT ...
    RETURNING id) INSERT ...`), atomic on its own: outside a transaction, one round trip
    to the database instead of four (BEGIN, two INSERTs, COMMIT)."""
    db = _connection()
    field = type(child)._meta.get_field(link)
    if not isinstance(field, models.ForeignKey) or field.remote_field.model is not type(parent):
        raise TypeError(f"{type(child).__name__}.{link} is not a foreign key to {type(parent).__name__}")
    _sql, _fields, parent_generated, _returns = _insert_sql(type(parent), db.vendor)
    _sql, _fields, child_generated, _returns = _insert_sql(type(child), db.vendor)
    one_statement = (
        db.vendor == "postgresql"
        and parent_generated
        and child_generated
        and parent.pk is None
        and child.pk is None
        and field.target_field is type(parent)._meta.pk
    )
    if not one_statement:
        with transaction.atomic(using=db.alias):
            insert(parent)
            setattr(child, link, parent)
            insert(child)
        return
    sql, parent_fields, child_fields = _insert_pair_sql(type(parent), type(child), link, db.vendor)
    params = [f.get_db_prep_save(f.pre_save(parent, True), db) for f in parent_fields]
    params += [f.get_db_prep_save(f.pre_save(child, True), db) for f in child_fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        parent.pk, child.pk = cursor.fetchone()
    setattr(child, link, parent)
    for obj in (parent, child):
        obj._state.adding, obj._state.db = False, db.alias


@cache
def _insert_pair_sql(
    parent: type[models.Model], child: type[models.Model], link: str, vendor: str
) -> tuple[str, list[models.Field[Any, Any]], list[models.Field[Any, Any]]]:
    """The one statement of `insert_pair` (PostgreSQL), and the fields whose values it takes,
    the parent's then the child's (the link comes from the parent's new row)."""
    quote = connection.ops.quote_name
    _sql, parent_fields, _generated, _returns = _insert_sql(parent, vendor)
    _sql, child_fields, _generated, _returns = _insert_sql(child, vendor)
    link_field = child._meta.get_field(link)
    if not isinstance(link_field, models.ForeignKey):  # insert_pair has refused it already
        raise TypeError(f"{child.__name__}.{link} is not a foreign key")
    child_fields = [f for f in child_fields if f is not link_field]
    parent_pk, child_pk = parent._meta.pk, child._meta.pk
    if parent_pk is None or child_pk is None:  # _insert_sql has refused them already
        raise TypeError("a model without a primary key")

    def column_list(fields: list[models.Field[Any, Any]]) -> str:
        return ", ".join(quote(f.column) for f in fields)

    placeholders = ", ".join(["%s"] * len(child_fields))
    sql = (
        f"WITH new_parent AS (INSERT INTO {quote(parent._meta.db_table)} ({column_list(parent_fields)}) "  # noqa: S608 - names from _meta
        f"VALUES ({', '.join(['%s'] * len(parent_fields))}) RETURNING {quote(parent_pk.column)}) "
        f"INSERT INTO {quote(child._meta.db_table)} ({column_list(child_fields)}, {quote(link_field.column)}) "
        f"VALUES ({placeholders}, (SELECT {quote(parent_pk.column)} FROM new_parent)) "
        f"RETURNING {quote(link_field.column)}, {quote(child_pk.column)}"
    )
    return sql, parent_fields, child_fields


def update(obj: models.Model, field_names: Sequence[str]) -> None:
    """UPDATE `field_names` of the row of `obj`, as `obj.save(update_fields=...)` would,
    from a statement built once per model and field list. No model signals are sent (see
    `insert`)."""
    db = _connection()
    sql, fields = _update_sql(type(obj), tuple(field_names), db.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, False), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
        if cursor.rowcount != 1:
            raise type(obj).DoesNotExist(f"{type(obj).__name__} {obj.pk} was not updated")  # type: ignore[attr-defined]


@cache
def _update_sql(
    model: type[models.Model], field_names: tuple[str, ...], vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    pk, fields = _updatable(model, field_names)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
    return sql, fields


def _updatable(
    model: type[models.Model], field_names: Sequence[str]
) -> tuple[models.Field[Any, Any], list[models.Field[Any, Any]]]:
    """The primary key and the named fields, which must be concrete."""
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    concrete = [field for field in fields if isinstance(field, models.Field) and field.concrete]
    if meta.pk is None or len(concrete) != len(fields):
        raise TypeError(f"only concrete fields of {model.__name__} can be updated by primary key")
    return meta.pk, concrete


def update_many(objs: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """UPDATE `field_names` of each object's row to that object's values; returns how many
    objects were given. On PostgreSQL one `UPDATE ... FROM (VALUES ...)` per thousand rows:
    `bulk_update` writes one CASE per field, whose cost grows with the square of the batch
    (minutes for the 200,000 assignments of a national cascade). Elsewhere `bulk_update`."""
    if not objs:
        return 0
    model = type(objs[0])
    db = _connection()
    if db.vendor != "postgresql":
        model._default_manager.bulk_update(objs, field_names, batch_size=500)
        return len(objs)
    pk, fields = _updatable(model, field_names)
    columns = [pk, *fields]
    quote = db.ops.quote_name
    row = "(" + ", ".join(f"%s::{field.db_type(db)}" for field in columns) + ")"
    names = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    pk_column = quote(pk.column)
    with db.cursor() as cursor:
        for start in range(0, len(objs), 1000):
            batch = objs[start : start + 1000]
            params = [
                field.get_db_prep_save(field.pre_save(obj, False), db)  # auto_now, as update()
                for obj in batch
                for field in columns
            ]
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from _meta
                f"FROM (VALUES {', '.join([row] * len(batch))}) AS v({names}) "
                f"WHERE t.{pk_column} = v.{pk_column}",
                params,
            )
    return len(objs)
