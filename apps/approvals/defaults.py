"""The default county process templates, as typed data (DESIGN.md §6).

A new county starts from these; it edits them through its API or the admin and publishes
them to its tenants. Steps marked `required` are county minimums in every tenant's copy.
Conditions: amount_gte (decimal string, yuan), subject_in (economic subject codes), flag
(a fact that must be true, e.g. major_matter) and requires (attachment kinds that must be
attached before submission when the step applies).
"""

from dataclasses import dataclass, field

MAJOR_MATTER_FLAG = "major_matter"
# (code, name, default value, minimum, maximum): a county parameter row (DESIGN.md §16; no
# national default is authoritative, ¥1,000,000 is the example seen in county rules).
MAJOR_MATTER_PARAMETER = ("major_matter_amount", "“三重一大”大额资金标准（元）",
                          1_000_000, 1, 2_000_000_000)
MAJOR_MATTER = {"flag": MAJOR_MATTER_FLAG, "requires": ["minutes"]}


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    post: str
    same_department: bool = False
    mode: str = "any"
    condition: dict = field(default_factory=dict)
    sla_hours: int = 16
    required: bool = True


@dataclass(frozen=True)
class Process:
    document_type: str
    name: str
    steps: tuple[Step, ...]


SEAL_USE = Process("seal_use", "用印申请", (
    Step("dept_review", "部门负责人审核", "dept_head", same_department=True, sla_hours=8),
    Step("leader_approve", "分管领导审批", "leader", sla_hours=8),
    Step("seal_register", "印章管理员用印登记", "seal_keeper", sla_hours=8),
))

SPENDING_REQUEST = Process("spending_request", "支出申请", (
    Step("dept_review", "部门负责人审核", "dept_head", same_department=True),
    Step("finance_review", "财务审核", "finance_reviewer"),
    Step("leader_approve", "分管领导审批", "leader", condition={"amount_gte": "10000.00"}),
    Step("principal_approve", "主要负责人审批", "principal",
         condition={"amount_gte": "50000.00"}),
    Step("collective_decision", "“三重一大”集体决策", "principal", condition=MAJOR_MATTER,
         sla_hours=40),
))

# The engineering payment of DESIGN.md §6: nine signatures, a tenth for major matters.
PROJECT_PAYMENT = Process("project_payment", "工程款支付", (
    Step("handler_confirm", "经办人", "handler", same_department=True, sla_hours=8),
    Step("project_review", "工程管理员", "project_officer", sla_hours=8),
    Step("dept_review", "部门负责人", "dept_head", same_department=True, sla_hours=8),
    Step("budget_check", "预算管理员", "budget_officer", sla_hours=8),
    Step("finance_review", "财务审核", "finance_reviewer", sla_hours=8),
    Step("leader_approve", "分管领导", "leader", sla_hours=8),
    Step("principal_approve", "主要负责人", "principal", sla_hours=8),
    Step("collective_decision", "“三重一大”集体决策", "principal", condition=MAJOR_MATTER,
         sla_hours=40),
    Step("accountant_review", "会计", "accountant", sla_hours=8),
    Step("cashier_pay", "出纳", "cashier", sla_hours=8),
))

BUDGET_ADJUSTMENT = Process("budget_adjustment", "预算调整", (
    Step("finance_review", "财务审核", "finance_reviewer"),
    Step("principal_approve", "主要负责人审批", "principal"),
    Step("collective_decision", "“三重一大”集体决策", "principal", condition=MAJOR_MATTER,
         sla_hours=40),
))

REVENUE_REGISTRATION = Process("revenue_registration", "收入登记", (
    Step("bookkeeping", "会计审核入账", "accountant"),
    Step("leader_approve", "分管领导审批", "leader", condition={"amount_gte": "1000000.00"}),
))

PROCESSES: tuple[Process, ...] = (SEAL_USE, SPENDING_REQUEST, PROJECT_PAYMENT,
                                  BUDGET_ADJUSTMENT, REVENUE_REGISTRATION)
