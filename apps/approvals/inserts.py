"""A submitted approval, its steps and its first step's tasks written by one statement.

Submitting is the hot path of the whole product (docs/performance.md): three INSERTs, each
compiled by the ORM and sent on its own, become one statement whose data-modifying CTEs
chain the new ids (approval → steps → tasks). The columns and their types come from the
models, so a field added later is written here too (with its Python default)."""

from django.db import connection
from django.db.models import Field, Model

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask


def _columns(model: type[Model], *, parent: str | None = None) -> list[Field]:
    return [field for field in model._meta.concrete_fields
            if not field.primary_key and field.name != parent]


def _names(fields: list[Field]) -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


def _values(objs: list[Model], fields: list[Field]) -> tuple[str, list]:
    """`(…), (…)` with every value cast to its column's type (a VALUES list has no column
    types of its own: a NULL would be text), and the parameters."""
    rows, params = [], []
    for obj in objs:
        cells = []
        for field in fields:
            # pre_save fills auto_now_add fields on the instance, as a save would
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
            cells.append(f"%s::{field.db_type(connection)}")
        rows.append(f"({', '.join(cells)})")
    return ", ".join(rows), params


def _saved(obj: Model, pk: int) -> None:
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


def approval_insert(approval: Approval, steps: list[ApprovalStep],
                    tasks: list[ApprovalTask]) -> None:
    """INSERT `approval`, its `steps` and `tasks` (all on one step, among `steps`), and set
    the new ids on the instances."""
    approval_fields = _columns(Approval)
    values, params = _values([approval], approval_fields)
    # Only the models' table and column names and %s placeholders go into the text.
    parts = [f"approval AS (INSERT INTO {Approval._meta.db_table} ({_names(approval_fields)})"  # noqa: S608
             f" VALUES {values} RETURNING id)"]
    answer = ["(SELECT id FROM approval)", "NULL", "NULL"]
    if steps:
        step_fields = _columns(ApprovalStep, parent="approval")
        values, more = _values(steps, step_fields)
        parts.append(
            f"steps AS (INSERT INTO {ApprovalStep._meta.db_table} (approval_id, "  # noqa: S608
            f"{_names(step_fields)}) SELECT approval.id, v.* FROM approval, (VALUES {values})"
            f' AS v({_names(step_fields)}) RETURNING id, "order")')
        params += more
        answer[1] = '(SELECT json_agg(json_build_array("order", id)) FROM steps)'
    if tasks:
        task_fields = _columns(ApprovalTask, parent="step")
        values, more = _values(tasks, task_fields)
        parts.append(
            f"tasks AS (INSERT INTO {ApprovalTask._meta.db_table} (step_id, "  # noqa: S608
            f"{_names(task_fields)}) SELECT steps.id, v.* FROM steps, (VALUES {values})"
            f' AS v({_names(task_fields)}) WHERE steps."order" = %s'
            " RETURNING id, assignee_id)")
        params += [*more, tasks[0].step.order]
        answer[2] = "(SELECT json_agg(json_build_array(assignee_id, id)) FROM tasks)"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {', '.join(answer)}", params)
        approval_id, step_ids, task_ids = cursor.fetchone()
    _saved(approval, approval_id)
    step_ids, task_ids = dict(step_ids or []), dict(task_ids or [])
    # Assigning the (now saved) parent sets the id column and keeps the parent cached.
    for step in steps:
        step.approval = approval
        _saved(step, step_ids[step.order])
    for task in tasks:
        task.step = task.step
        _saved(task, task_ids[task.assignee_id])
