"""A submitted approval, its steps and its first step's tasks written by one statement.

Submitting is the hot path of the whole product (docs/performance.md): three INSERTs, each
compiled by the ORM and sent on its own, become one statement whose data-modifying CTEs
chain the new ids (approval → steps → tasks). The columns and their types come from the
models, so a field added later is written here too (with its Python default)."""

from django.db import connection

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask
from county_platform.db import insert_values, mark_saved


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
        names, values, more = insert_values(steps, ApprovalStep, "approval")
        parts.append(
            f"steps AS (INSERT INTO {ApprovalStep._meta.db_table} (approval_id, {names})"  # noqa: S608
            f" SELECT approval.id, v.* FROM approval, (VALUES {values}) AS v({names})"
            ' RETURNING id, "order")')
        params += more
        answer[1] = '(SELECT json_agg(json_build_array("order", id)) FROM steps)'
    if tasks:
        names, values, more = insert_values(tasks, ApprovalTask, "step")
        parts.append(
            f"tasks AS (INSERT INTO {ApprovalTask._meta.db_table} (step_id, {names})"  # noqa: S608
            f" SELECT steps.id, v.* FROM steps, (VALUES {values}) AS v({names})"
            ' WHERE steps."order" = %s RETURNING id, assignee_id)')
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
