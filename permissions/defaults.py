"""The county's default duty template, as typed data: posts, role matrix, incompatible pairs.

A county starts from these rows (catalog_ensure_defaults) and may change every one of them;
they are never read as constants by the checks, which read the rows.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PostDef:
    code: str
    name: str
    is_key: bool = False
    max_tenure_months: int | None = None
    holds_money: bool = False


@dataclass(frozen=True)
class StepDef:
    activity: str
    step: str
    step_name: str
    post: str
    order: int


@dataclass(frozen=True)
class SodDef:
    code: str
    post_a: str
    post_b: str
    scope: str  # "post": never held together; "document": never both on one document
    article: str


KEY_TENURE_MONTHS = 60  # 财会〔2012〕21号 第十四条: key posts rotate; county default 5 years

POSTS: tuple[PostDef, ...] = (
    PostDef("handler", "经办人"),
    PostDef("dept_head", "部门负责人"),
    PostDef("leader", "分管领导"),
    PostDef("principal", "主要负责人"),
    PostDef("budget_officer", "预算管理员"),
    PostDef("finance_reviewer", "财务审核", holds_money=True),
    PostDef("accountant", "会计", True, KEY_TENURE_MONTHS, holds_money=True),
    PostDef("cashier", "出纳", True, KEY_TENURE_MONTHS, holds_money=True),
    PostDef("procurement_officer", "采购经办", True, KEY_TENURE_MONTHS),
    PostDef("acceptance_officer", "验收人"),
    PostDef("contract_officer", "合同管理员"),
    PostDef("project_officer", "工程管理员", True, KEY_TENURE_MONTHS),
    PostDef("asset_keeper", "资产管理员", True, KEY_TENURE_MONTHS),
    PostDef("seal_keeper", "印章管理员"),
    PostDef("ic_lead", "内控牵头"),
    PostDef("supervisor", "纪检监督"),
)

ACTIVITY_NAMES = {
    "expenditure": "支出",
    "budget": "预算",
    "revenue": "收入",
    "procurement": "采购",
    "contract": "合同",
    "project": "工程",
    "asset": "资产",
    "seal": "印章",
}

MATRIX: tuple[StepDef, ...] = (
    StepDef("expenditure", "apply", "申请", "handler", 10),
    StepDef("expenditure", "dept_review", "部门审核", "dept_head", 20),
    StepDef("expenditure", "finance_review", "财务审核", "finance_reviewer", 30),
    StepDef("expenditure", "leader_approve", "分管领导审批", "leader", 40),
    StepDef("expenditure", "principal_approve", "主要负责人审批", "principal", 50),
    StepDef("expenditure", "bookkeeping", "会计记账", "accountant", 60),
    StepDef("expenditure", "payment", "出纳付款", "cashier", 70),
    StepDef("budget", "prepare", "预算编制", "budget_officer", 10),
    StepDef("budget", "review", "预算审核", "finance_reviewer", 20),
    StepDef("budget", "approve", "预算审批", "principal", 30),
    StepDef("revenue", "collect", "收款", "cashier", 10),
    StepDef("revenue", "bookkeeping", "收入记账", "accountant", 20),
    StepDef("procurement", "requirement", "采购需求", "procurement_officer", 10),
    StepDef("procurement", "approve", "采购审批", "leader", 20),
    StepDef("procurement", "acceptance", "验收", "acceptance_officer", 30),
    StepDef("procurement", "custody", "入库保管", "asset_keeper", 40),
    StepDef("contract", "draft", "合同起草", "contract_officer", 10),
    StepDef("contract", "review", "合同审核", "finance_reviewer", 20),
    StepDef("contract", "sign", "合同签订", "principal", 30),
    StepDef("project", "manage", "工程管理", "project_officer", 10),
    StepDef("project", "payment_review", "工程款审核", "finance_reviewer", 20),
    StepDef("project", "approve", "工程审批", "leader", 30),
    StepDef("asset", "custody", "资产保管", "asset_keeper", 10),
    StepDef("asset", "bookkeeping", "资产记账", "accountant", 20),
    StepDef("asset", "disposal_approve", "处置审批", "leader", 30),
    StepDef("seal", "custody", "印章保管", "seal_keeper", 10),
    StepDef("seal", "use_approve", "用印审批", "leader", 20),
)

_IC = "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）"
_ACC = "《中华人民共和国会计法》"

SOD: tuple[SodDef, ...] = (
    SodDef("sod_cashier_accountant", "cashier", "accountant", "post",
           f"{_ACC}：出纳人员不得兼任稽核、会计档案保管和收入、支出、费用、债权债务账目的登记工作"),
    SodDef("sod_cashier_reviewer", "cashier", "finance_reviewer", "post",
           f"{_ACC}：出纳人员不得兼任稽核"),
    SodDef("sod_budget_prepare_approve", "budget_officer", "principal", "post",
           f"{_IC} 预算业务控制：预算编制、审批、执行、评价等不相容岗位相互分离"),
    SodDef("sod_procurement_acceptance", "procurement_officer", "acceptance_officer", "post",
           f"{_IC} 政府采购业务控制：采购需求制定与内部审批、合同签订与验收、验收与保管相互分离"),
    SodDef("sod_acceptance_custody", "acceptance_officer", "asset_keeper", "post",
           f"{_IC} 政府采购业务控制：验收与保管相互分离"),
    SodDef("sod_contract_draft_review", "contract_officer", "finance_reviewer", "post",
           f"{_IC} 合同控制：合同的拟定与审核相互分离"),
    SodDef("sod_asset_keep_account", "asset_keeper", "accountant", "post",
           f"{_IC} 资产控制：资产保管与资产记账相互分离"),
    SodDef("sod_seal_keep_approve", "seal_keeper", "leader", "post",
           "县“6+N”管理办法：印章保管与用印审批相互分离"),
    SodDef("sod_project_manage_pay_review", "project_officer", "finance_reviewer", "post",
           f"{_IC} 建设项目控制：项目实施与价款支付（审核）相互分离"),
    SodDef("sod_ic_lead_supervisor", "ic_lead", "supervisor", "post",
           f"{_IC} 单位层面控制：内部控制的建立实施与内部监督相互分离"),
    SodDef("sod_handler_approver", "handler", "leader", "document",
           f"{_IC} 收支业务控制：经办与审批相互分离；资产控制：资产使用与处置审批相互分离"
           "（同一业务）"),
    SodDef("sod_handler_principal", "handler", "principal", "document",
           f"{_IC} 收支业务控制：经办与审批相互分离（同一业务）"),
    SodDef("sod_request_dept_review", "handler", "dept_head", "document",
           f"{_IC} 收支业务控制：申请与审核相互分离（同一业务）"),
    SodDef("sod_review_payment", "finance_reviewer", "cashier", "document",
           f"{_IC} 收支业务控制：付款审核与付款执行相互分离（同一业务）"),
    SodDef("sod_bookkeeping_payment", "accountant", "cashier", "document",
           f"{_IC} 收支业务控制：会计核算与付款执行相互分离（同一业务）"),
)

# County parameters of the duty area: (code, name, default, minimum, maximum).
PARAMETERS: tuple[tuple[str, str, int, int, int], ...] = (
    ("rotation_remind_days", "轮岗提前提醒天数", 90, 7, 365),
    ("rotation_gap_reset_days", "离岗多少天后任期重新计算", 365, 30, 3650),
    ("special_audit_valid_days", "专项审计替代轮岗的有效天数", 365, 90, 730),
)
