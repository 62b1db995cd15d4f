"""Demo budget of one township: a year of indicators of realistic size for a town of about a
hundred staff (≈ ¥10M), limits and totals, and spending requests in every state with
payments — all made through the real services, so the execution pages are alive.

Used by `seed_demo`; idempotent per tenant (nothing is added once the tenant has indicators).
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from apps.approvals.models import (
    Approval,
    ApprovalStep,
    ApprovalTask,
    ProcessDefinition,
    StepStatus,
    TaskStatus,
)
from apps.approvals.services import process_define, task_decide
from apps.budget.ledger import indicator_open
from apps.budget.models import (
    BudgetIndicator,
    BudgetProject,
    DepartmentLimit,
    EconomicSubject,
    FundAccount,
    FundKind,
    SubjectTotal,
)
from apps.expenditure.models import SpendingRequest
from apps.expenditure.services import (
    payment_create,
    request_create,
    request_submit,
    request_withdraw,
)
from permissions.models import Department
from permissions.selectors import assignments_current
from tenants.models import User

DEPARTMENTS = [("DZB", "党政办公室"), ("CZB", "财政办"), ("NYB", "农业农村办"),
               ("SHB", "社会事务办"), ("JSB", "建设管理办"), ("ZFD", "综合行政执法队")]
ACCOUNTS = [("镇财政零余额账户", FundKind.FISCAL), ("镇政府基本户", FundKind.GOVERNMENT),
            ("土地出让金专户", FundKind.SPECIAL), ("城镇建设投资公司账户", FundKind.COMPANY)]
# (subject, yuan per department per year): basic expenditure of a town of ~100 staff.
BASIC = [("30101", 620_000), ("30102", 310_000), ("30107", 180_000), ("30113", 90_000),
         ("30201", 42_000), ("30202", 9_000), ("30207", 8_000), ("30211", 22_000),
         ("30213", 30_000), ("30215", 12_000), ("30216", 10_000), ("30217", 6_000),
         ("30226", 40_000), ("30231", 18_000), ("31002", 25_000)]
PROJECTS = [("P2026-01", "村道维修养护", "JSB", [("30213", 1_200_000), ("31005", 800_000)]),
            ("P2026-02", "垃圾分类与环境整治", "ZFD", [("30227", 600_000), ("30226", 150_000)]),
            ("P2026-03", "美丽乡村建设", "NYB", [("31005", 2_400_000), ("30227", 300_000)]),
            ("P2026-04", "防汛抗旱物资", "NYB", [("30218", 180_000), ("31003", 120_000)])]
ROUTE = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "财务审核", "post_code": "finance_reviewer", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any",
     "condition": {"amount_gte": "5000.00"}},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any",
     "condition": {"amount_gte": "50000.00"}},
    {"name": "会计审核", "post_code": "accountant", "mode": "any"},
]


def _subject(code: str) -> EconomicSubject:
    return EconomicSubject.objects.get(code=code)


def _departments() -> dict[str, Department]:
    for code, name in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name})
    return {d.code: d for d in Department.objects.all()}


@transaction.atomic
def budget_seed(*, year: int) -> int:
    """Indicators, projects, limits and totals of `year`; returns how many indicators."""
    if BudgetIndicator.objects.filter(year=year).exists():
        return 0
    departments = _departments()
    accounts = [FundAccount.objects.create(name=name, kind=kind) for name, kind in ACCOUNTS]
    made = 0
    for department in (departments[code] for code, _ in DEPARTMENTS):
        for code, amount in BASIC:
            indicator_open(actor=None, year=year, department=department, project=None,
                           subject=_subject(code), fund_account=accounts[0],
                           amount=Decimal(amount))
            made += 1
    for code, name, dept, lines in PROJECTS:
        project = BudgetProject.objects.create(code=code, name=name,
                                               department=departments[dept])
        project.allowed_subjects.set(EconomicSubject.objects.filter(
            code__in=[s for s, _ in lines]))
        for subject, amount in lines:
            indicator_open(actor=None, year=year, department=departments[dept], project=project,
                           subject=_subject(subject), fund_account=accounts[1],
                           amount=Decimal(amount))
            made += 1
    DepartmentLimit.objects.create(year=year, department=departments["DZB"],
                                   subject=_subject("30217"), amount=Decimal("5000"))
    for code in ("30212", "30217", "30231", "31013"):
        SubjectTotal.objects.create(year=year, subject=_subject(code), amount=Decimal("200000"))
    return made


def _holder(post: str) -> User | None:
    assignment = assignments_current().filter(post__code=post, staff__is_active=True) \
        .select_related("staff__user").order_by("staff_id").first()
    return assignment.staff.user if assignment else None


def _took_a_while(task: ApprovalTask) -> None:
    """A demo decision comes minutes to hours after its to-do arrived, as a real one does
    (decided the instant it is created, every one would raise fast_approval); one in
    fifteen is left quick, so that the rule still shows on the demo's alert page."""
    if task.pk % 15 == 0:
        return
    earlier = timedelta(minutes=20 + (task.pk * 37) % 600)
    ApprovalTask.objects.filter(pk=task.pk).update(created_at=F("created_at") - earlier)
    ApprovalStep.objects.filter(pk=task.step_id).update(started_at=F("started_at") - earlier)


def _decide_until(request, *, stop_after: int | None, last: str = "approve") -> None:
    """Approve the request's steps in turn (the last decided one with `last`)."""
    approval = Approval.objects.get(pk=request.approval_id)
    decided = 0
    while approval.steps.filter(status=StepStatus.ACTIVE).exists():
        if stop_after is not None and decided >= stop_after:
            return
        task = approval.steps.get(status=StepStatus.ACTIVE).tasks.filter(
            status=TaskStatus.PENDING).order_by("pk").first()
        final = stop_after is not None and decided == stop_after - 1
        _took_a_while(task)
        task_decide(actor=task.assignee, task_id=task.pk,
                    decision=last if final else "approve", comment="同意" if not final else "")
        decided += 1
        approval.refresh_from_db()


PURPOSES = ["购买办公用品", "村道巡查差旅", "防汛物资采购", "业务培训", "会议场地租用",
            "公务用车保养", "劳务报酬", "宣传资料印刷"]


@transaction.atomic
def spending_seed(*, year: int, rng: random.Random) -> int:
    """Spending requests in every state, with payments; returns how many requests."""
    applicant, cashier = _holder("handler"), _holder("cashier")
    if applicant is None or cashier is None or not BudgetIndicator.objects.filter(year=year):
        return 0
    if SpendingRequest.objects.exists():  # seeded already: add nothing
        return 0
    if not ProcessDefinition.objects.filter(document_type="spending_request").exists():
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
    office = list(BudgetIndicator.objects.filter(year=year, project=None,
                                                 subject__code__in=["30201", "30211", "30226"]))
    states = ["draft", "in_approval", "approved", "rejected", "returned", "withdrawn",
              "partly_paid", "paid", "paid", "paid"]
    for n, state in enumerate(states):
        indicator = office[n % len(office)]
        amount = Decimal(rng.choice([380, 860, 1_250, 2_400, 3_600, 6_800]))
        request = request_create(actor=applicant, amount=amount, purpose=PURPOSES[n % 8],
                                 indicator_id=indicator.pk)
        _advance_to(request, state, applicant=applicant, cashier=cashier)
    return len(states)


def _advance_to(request, state: str, *, applicant: User, cashier: User) -> None:
    if state == "draft":
        return
    request = request_submit(actor=applicant, request_id=request.pk)
    if state == "withdrawn":
        request_withdraw(actor=applicant, request_id=request.pk)
    elif state == "in_approval":
        _decide_until(request, stop_after=1)
    elif state in ("rejected", "returned"):
        verb = {"rejected": "reject", "returned": "return"}[state]
        _decide_until(request, stop_after=2, last=verb)
    else:
        _decide_until(request, stop_after=None)
        request.refresh_from_db()
        if state == "partly_paid":
            payment_create(actor=cashier, request_id=request.pk,
                           amount=(request.amount / 2).quantize(Decimal("0.01")))
        elif state == "paid":
            payment_create(actor=cashier, request_id=request.pk, amount=request.amount)
