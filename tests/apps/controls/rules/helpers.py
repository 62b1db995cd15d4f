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


REVENUE_ROUTE = [{"name": "会计审核", "post_code": "accountant", "mode": "any"}]


def revenue_office_make(tenant):
    """A cashier and an accountant, and the revenue approval process; returns people by post.
    Call outside the tenant's schema."""
    from django_tenants.utils import schema_context

    people = {post: staff_make(tenant, posts=(post,)).user for post in ("cashier", "accountant")}
    with schema_context(tenant.schema_name):
        process_define(actor=None, document_type="revenue_registration", name="收入登记审批",
                       steps=REVENUE_ROUTE)
    return people


def revenue_registered(actor, account, *, submit=True, amount="20000.00", kind="tax_return",
                       received_on=None, payer="县财政局"):
    """A revenue registration by `actor` into `account`, submitted unless told otherwise
    (inside the tenant's schema)."""
    from django.utils import timezone

    from apps.budget.revenue import revenue_create, revenue_submit

    revenue = revenue_create(actor=actor, kind=kind, fund_account_id=account.pk, amount=amount,
                             received_on=received_on or timezone.localdate(), payer=payer)
    if submit:
        revenue = revenue_submit(actor=actor, revenue_id=revenue.pk)
    return revenue


def audit_events_backdate(event_ids, when) -> None:
    """Move audit events to `when`, as an attacker or a clock would (the table is append-only,
    so its triggers are switched off for this one statement; the hashes no longer match)."""
    from django.db import connection

    from tests.apps.audit.tampering import triggers_bypassed

    with triggers_bypassed(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET created_at = %s WHERE id = ANY(%s)",
                       [when, list(event_ids)])


def ledger_spent(indicator, amount: str, *, pay: bool = True) -> None:
    """Freeze (and, unless pay=False, pay) `amount` on an indicator of any year through the
    budget ledger's own services — for indicators of past years, which the spending services
    no longer accept."""
    import uuid
    from decimal import Decimal

    from apps.budget.controls import Draw, budget_commit
    from apps.budget.ledger import budget_execute

    document = {"document_type": "ledger_voucher", "document_id": uuid.uuid4().hex[:16]}
    budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal(amount))], year=indicator.year,
                  **document)
    if pay:
        budget_execute(actor=None, indicator_id=indicator.pk, amount=Decimal(amount), **document)
