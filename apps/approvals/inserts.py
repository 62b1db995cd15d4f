"""A submitted approval, its steps and its first step's tasks written by one statement.

Submitting is the hot path of the whole product (docs/performance.md): three INSERTs, each
compiled by the ORM and sent on its own, become one statement whose data-modifying CTEs
chain the new ids (approval → steps → tasks). The columns and their types come from the
models, so a field added later is written here too (with its Python default)."""

from django.db import connection

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask
from county_platform.db import insert_values, mark_saved


def _children(name: str, objs: list, model, *, parent: str, of: str, returning: str,
              where: str = "") -> tuple[str, list]:
    """A CTE `name` inserting `objs`, each under the id of the row the CTE `of` returned."""
    names, values, params = insert_values(objs, model, parent)
    return (f"{name} AS (INSERT INTO {model._meta.db_table} ({parent}_id, {names})"  # noqa: S608
            f" SELECT {of}.id, v.* FROM {of}, (VALUES {values}) AS v({names}){where}"
            f" RETURNING id, {returning})"), params


def approval_insert(approval: Approval, steps: list[ApprovalStep],
                    tasks: list[ApprovalTask]) -> None:
    """INSERT `approval`, its `steps` and `tasks` (all on one step, among `steps`), and set
    the new ids on the instances."""
    names, values, params = insert_values([approval], Approval)
    # Only the models' table and column names and %s placeholders go into the text.
    parts = [f"approval AS (INSERT INTO {Approval._meta.db_table} ({names})"  # noqa: S608
             f" VALUES {values} RETURNING id)"]
    answer = ["(SELECT id FROM approval)", "NULL", "NULL"]
    if steps:
        part, more = _children("steps", steps, ApprovalStep, parent="approval", of="approval",
                               returning='"order"')
        parts.append(part)
        params += more
        answer[1] = '(SELECT json_agg(json_build_array("order", id)) FROM steps)'
    if tasks:
        part, more = _children("tasks", tasks, ApprovalTask, parent="step", of="steps",
                               returning="assignee_id", where=' WHERE steps."order" = %s')
        parts.append(part)
        params += [*more, tasks[0].step.order]
        answer[2] = "(SELECT json_agg(json_build_array(assignee_id, id)) FROM tasks)"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {', '.join(answer)}", params)
        approval_id, step_ids, task_ids = cursor.fetchone()
    mark_saved(approval, approval_id)
    step_ids, task_ids = dict(step_ids or []), dict(task_ids or [])
    # Assigning the (now saved) parent sets the id column and keeps the parent cached.
    for step in steps:
        step.approval = approval
        mark_saved(step, step_ids[step.order])
    for task in tasks:
        task.step = task.step
        mark_saved(task, task_ids[task.assignee_id])
