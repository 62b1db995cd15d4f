"""Budget reference data and indicators: fund accounts, projects, department limits, subject
totals, and opening indicators (through ledger.indicator_open, the only way counters start)."""

from decimal import Decimal

from django.db import connection, transaction

from apps.audit.services import audit_record
from apps.budget.ledger import indicator_open, money
from apps.budget.models import (
    BudgetIndicator,
    BudgetProject,
    DepartmentLimit,
    EconomicSubject,
    FundAccount,
    FundKind,
    SubjectTotal,
)
from county_platform.errors import DomainError
from permissions.models import Department
from tenants.models import User

# Serializes everything that opens indicators in one tenant (API create and Excel import), so
# that the "no second indicator with the same key" check cannot race.
_OPEN_LOCK_CLASS = 7101
YEARS = range(2000, 2101)


def indicators_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                       [_OPEN_LOCK_CLASS])


@transaction.atomic
def fund_account_create(*, actor: User, name: str, kind: str,
                        bank_account: str = "") -> FundAccount:
    if kind not in FundKind.values:
        raise DomainError("invalid", "账户类型只能是财政、政府、专户或公司账户。", 400)
    if FundAccount.objects.filter(name=name.strip()).exists():
        raise DomainError("exists", f"已有名为“{name}”的资金账户。", 409)
    account = FundAccount.objects.create(name=name.strip(), kind=kind,
                                         bank_account=bank_account.strip())
    audit_record(actor=actor, action="budget.fund_account_created", obj=account,
                 after={"name": account.name, "kind": kind, "bank_account": account.bank_account})
    return account


def _subjects(codes: list[str]) -> list[EconomicSubject]:
    found = {s.code: s for s in EconomicSubject.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise DomainError("invalid", f"没有支出科目 {'、'.join(missing)}。", 400,
                          field="allowed_subjects")
    return [found[code] for code in codes]


@transaction.atomic
def project_create(*, actor: User, code: str, name: str, department: Department,
                   allowed_subjects: list[str], is_basic: bool = False) -> BudgetProject:
    if BudgetProject.objects.filter(code=code).exists():
        raise DomainError("exists", f"项目编码 {code} 已存在。", 409)
    subjects = _subjects(list(dict.fromkeys(allowed_subjects)))
    project = BudgetProject.objects.create(code=code, name=name, department=department,
                                           is_basic=is_basic)
    project.allowed_subjects.set(subjects)
    audit_record(actor=actor, action="budget.project_created", obj=project,
                 after={"code": code, "name": name, "department": department.pk,
                        "allowed_subjects": [s.code for s in subjects]})
    return project


def indicator_refusals(*, year: int, department: Department, subject: EconomicSubject,
                       fund_account: FundAccount, project: BudgetProject | None,
                       allowed: set[int] | None = None) -> list[str]:
    """Why an indicator with these fields cannot be opened (empty when it can). `allowed` is
    the project's allowed subject ids when the caller has them already."""
    errors = []
    if year not in YEARS:
        errors.append("年度须在 2000 至 2100 之间。")
    if subject.parent_id is None:
        errors.append(f"科目 {subject.code} 是类级科目，指标须下达到款级科目。")
    if not fund_account.is_active:
        errors.append(f"资金账户“{fund_account.name}”已停用。")
    if project is not None:
        if project.department_id != department.pk:
            errors.append(f"项目 {project.code} 不属于该部门。")
        if allowed is None:
            allowed = set(project.allowed_subjects.values_list("pk", flat=True))
        if subject.pk not in allowed:
            errors.append(f"科目 {subject.code} 不在项目 {project.code} 的可用费用范围内。")
    return errors


def indicator_exists(*, year: int, department_id: int, subject_id: int, fund_account_id: int,
                     project_id: int | None) -> bool:
    return BudgetIndicator.objects.filter(
        year=year, department_id=department_id, subject_id=subject_id,
        fund_account_id=fund_account_id, project_id=project_id).exists()


@transaction.atomic
def indicator_create(*, actor: User, year: int, department: Department,
                     subject: EconomicSubject, fund_account: FundAccount,
                     project: BudgetProject | None, amount) -> BudgetIndicator:
    """Open one indicator (预算指标下达). A second indicator with the same year, department,
    subject, account and project is refused: more money for it is an adjustment."""
    amount = money(amount)
    errors = indicator_refusals(year=year, department=department, subject=subject,
                                fund_account=fund_account, project=project)
    if errors:
        raise DomainError("invalid", errors[0], 400, errors=errors)
    indicators_lock()
    if indicator_exists(year=year, department_id=department.pk, subject_id=subject.pk,
                        fund_account_id=fund_account.pk,
                        project_id=getattr(project, "pk", None)):
        raise DomainError("indicator_exists", "已有相同年度、部门、科目、账户和项目的指标；"
                          "增加金额请走预算调整。", 409)
    return indicator_open(actor=actor, year=year, department=department, subject=subject,
                          fund_account=fund_account, project=project, amount=amount)


def _cap(amount) -> Decimal:
    """A cap in yuan: zero (nothing may be spent) or a positive amount with two places."""
    try:
        if Decimal(str(amount)) == 0:
            return Decimal("0.00")
    except ArithmeticError:
        raise DomainError("invalid_amount", "金额格式不正确。", 400) from None
    return money(amount)


def _cap_set(model, *, actor: User, action: str, amount, **key):
    amount = _cap(amount)
    row = model.objects.select_for_update().filter(**key).first()
    before = None if row is None else str(row.amount)
    if row is None:
        row = model.objects.create(amount=amount, **key)
    else:
        row.amount = amount
        row.save(update_fields=["amount"])
    audit_record(actor=actor, action=action, obj=row, before=before and {"amount": before},
                 after={"amount": str(amount), **{k: getattr(v, "pk", v) for k, v in key.items()}})
    return row, before is None


@transaction.atomic
def department_limit_set(*, actor: User, year: int, department: Department,
                         subject: EconomicSubject, amount) -> tuple[DepartmentLimit, bool]:
    """Set (create or change) a department's yearly limit for a subject; True when created.
    It binds future submissions only: what is already committed stays committed."""
    return _cap_set(DepartmentLimit, actor=actor, action="budget.department_limit_set",
                    amount=amount, year=year, department=department, subject=subject)


@transaction.atomic
def subject_total_set(*, actor: User, year: int, subject: EconomicSubject,
                      amount) -> tuple[SubjectTotal, bool]:
    """Set (create or change) the tenant-wide yearly total of a subject; True when created."""
    return _cap_set(SubjectTotal, actor=actor, action="budget.subject_total_set",
                    amount=amount, year=year, subject=subject)
