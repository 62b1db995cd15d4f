"""Rule-test data, made through the real services, and the two ways rules run: a scan of the
scheduled rules, and the document events of the services themselves."""

from datetime import date

from apps.approvals.models import Approval, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.controls.models import Alert
from apps.controls.rules.engine import rules_scan
from apps.expenditure.services import payment_create, request_create, request_submit
from tests.apps.budget.helpers import indicator_make
from tests.factories import staff_make

POSTS = ("handler", "accountant", "leader", "principal", "cashier", "budget_officer")
ROUTE = [
    {"name": "会计审核", "post_code": "accountant", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any",
     "condition": {"amount_gte": "5000.00"}},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any",
     "condition": {"amount_gte": "50000.00"}},
]


def office_make(tenant, *, amount="1000000.00", subject="30201"):
    """One person on each post, the spending process, and an indicator. Call outside the
    tenant's schema (staff are made in it); returns (people by post, indicator)."""
    from django_tenants.utils import schema_context

    people = {post: staff_make(tenant, posts=(post,)).user for post in POSTS}
    with schema_context(tenant.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        indicator = indicator_make(amount=amount, subject=subject)
    return people, indicator


def approve_all(approval_id: int) -> None:
    approval = Approval.objects.get(pk=approval_id)
    while approval.steps.filter(status=StepStatus.ACTIVE).exists():
        task = approval.steps.get(status=StepStatus.ACTIVE).tasks.filter(
            status=TaskStatus.PENDING).first()
        task_decide(actor=task.assignee, task_id=task.pk, decision="approve")


def request_approved(people, indicator, amount="800.00", **fields):
    """A submitted and fully approved spending request (inside the tenant's schema)."""
    request = request_create(actor=people["handler"], amount=amount, purpose=fields.pop(
        "purpose", "购买办公用品"), indicator_id=indicator.pk, **fields)
    request_submit(actor=people["handler"], request_id=request.pk)
    request.refresh_from_db()
    approve_all(request.approval_id)
    request.refresh_from_db()
    return request


def request_paid(people, indicator, amount="800.00", method="transfer", **fields):
    request = request_approved(people, indicator, amount, **fields)
    payment_create(actor=people["cashier"], request_id=request.pk, amount=amount, method=method)
    request.refresh_from_db()
    return request


def scan(code: str, *, today: date) -> list[Alert]:
    """Run one scheduled rule in the current schema; the live alerts it has raised."""
    result = rules_scan(today=today, codes=[code])
    assert result.failed == ()
    return list(Alert.objects.filter(rule=code).exclude(status="closed").order_by("id"))


def alerts_of(code: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=code).order_by("id"))
