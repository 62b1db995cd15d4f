"""Model building blocks shared by the apps, and a lean INSERT for the hot path."""

import functools

from django.conf import settings
from django.db import connection, models


def user_ref(*, null: bool = False, related_name: str = "+", **kwargs) -> models.ForeignKey:
    """A reference from a tenant table to a global user (public schema).

    Deliberately without a database constraint: a foreign key across schemas puts two
    triggers per tenant table on the shared users table — about 33,000 at 1,000 tenants,
    which made creating a tenant slower than the target and slows every new connection's
    first query on users. Users are never deleted (the database refuses it; they are
    deactivated instead), so the reference cannot dangle.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, db_constraint=False, null=null,
        blank=null, related_name=related_name, **kwargs,
    )


# --- INSERT without the ORM's per-statement compilation (docs/performance.md, hot path) ---


@functools.cache
def insert_columns(model: type[models.Model], parent: str | None = None
                   ) -> tuple[list[models.Field], str, str]:
    """The columns an INSERT writes (all but the id, and but the `parent` foreign key when a
    statement supplies it), their quoted names, and one row of placeholders, each cast to its
    column's type (a VALUES list has no column types of its own: a NULL would be text).
    Built once per process."""
    fields = [field for field in model._meta.concrete_fields
              if not field.primary_key and field.name != parent]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"
    return fields, names, row


def insert_values(objs: list[models.Model], model: type[models.Model],
                  parent: str | None = None) -> tuple[str, str, list]:
    """The quoted column names, `(…), (…)` for `objs`, and the parameters, as a save would
    write them (pre_save fills auto_now_add fields on the instances too)."""
    fields, names, row = insert_columns(model, parent)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection)
              for obj in objs for field in fields]
    return names, ", ".join([row] * len(objs)), params


def mark_saved(obj: models.Model, pk: int) -> None:
    """`obj` is now the row `pk` in the database."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


def row_insert(obj: models.Model) -> models.Model:
    """INSERT one new instance (its model's defaults and auto_now_add applied) and set its id:
    what `Model.objects.create` does, minus the query compilation and the save signals, for
    append-only rows written on every submission."""
    model = type(obj)
    if not model._meta.pk.db_returning:
        raise TypeError(f"{model.__name__}: row_insert needs an id the database generates")
    names, values, params = insert_values([obj], model)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({names}) VALUES {values}"  # noqa: S608
                       " RETURNING id", params)
        mark_saved(obj, cursor.fetchone()[0])
    return obj
