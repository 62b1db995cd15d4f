"""Importing indicators from an Excel sheet (the way budgets arrive from the finance system).

All or nothing: every row is checked first; if any row is refused the answer is a row-by-row
report (422 `import_refused`) and nothing is created; otherwise every indicator is opened
(through ledger.indicator_open) in one transaction.
"""

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from apps.attachments.sniff import XLSX, sniff
from apps.budget.ledger import CENT, indicator_open
from apps.budget.models import (
    BudgetIndicator,
    BudgetProject,
    EconomicSubject,
    FundAccount,
)
from apps.budget.services import indicator_refusals, indicators_lock
from county_platform.errors import DomainError
from permissions.models import Department
from tenants.models import User

MAX_ROWS = 5_000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # a sheet of 5,000 rows is far smaller: refuse zip bombs
MAX_AMOUNT = Decimal("99999999999999.99")
COLUMNS = {"year": "年度", "department": "部门编码", "project": "项目编码",
           "subject": "经济分类科目编码", "fund_account": "资金账户", "amount": "金额"}
OPTIONAL = {"project"}


@dataclass
class Row:
    number: int  # the row's number in the sheet (the header is row 1)
    values: dict
    errors: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


def _refused(code: str, detail: str, status: int = 400, **extra) -> DomainError:
    return DomainError(code, detail, status, **extra)


def check_file(*, head: bytes, path: Path) -> None:
    """An .xlsx by its bytes (a zip holding xl/workbook.xml), not too large once unzipped."""
    if sniff(head, path) != XLSX:
        raise _refused("invalid_file", "请上传 Excel 2007 及以上格式（.xlsx）的文件。", 415)
    with zipfile.ZipFile(path) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise _refused("invalid_file", "文件内容过大，请拆分后导入。", 413)


def _cell(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def read_rows(path: Path) -> list[Row]:
    """The sheet's data rows (blank rows skipped), keyed by column; 400 when the file cannot
    be read or the header row lacks a required column, 422 `too_many_rows` past MAX_ROWS."""
    with path.open("rb") as handle:  # by name, openpyxl would insist on an .xlsx suffix
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                rows = _data_rows(workbook)
            finally:
                workbook.close()
        except DomainError:
            raise
        except Exception:  # openpyxl on untrusted bytes fails in many ways; all mean the same
            raise _refused("invalid_file", "无法读取该 Excel 文件。", 400) from None
    if not rows:
        raise _refused("empty_file", "表格中没有数据行。", 400)
    return rows


def _data_rows(workbook) -> list[Row]:
    lines = workbook.worksheets[0].iter_rows(values_only=True)
    where = _header([str(_cell(v) or "") for v in next(lines, ())])
    rows = []
    for number, line in enumerate(lines, start=2):
        values = {key: _cell(line[i]) if i < len(line) else None for key, i in where.items()}
        if all(v is None for v in values.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise _refused("too_many_rows", f"一次最多导入 {MAX_ROWS} 行，请拆分后导入。", 422,
                           limit=MAX_ROWS)
        rows.append(Row(number, values))
    return rows


def _header(header: list[str]) -> dict[str, int]:
    where = {key: header.index(title) for key, title in COLUMNS.items() if title in header}
    missing = [COLUMNS[key] for key in COLUMNS if key not in where and key not in OPTIONAL]
    if missing:
        raise _refused("invalid_header", f"表头缺少列：{'、'.join(missing)}。", 400,
                       missing=missing, expected=list(COLUMNS.values()))
    return where


class _Lookups:
    """Everything the rows refer to, loaded once (a fixed number of queries per import)."""

    def __init__(self, rows: list[Row]):
        self.departments = {d.code: d for d in Department.objects.all()}
        self.subjects = {s.code: s for s in EconomicSubject.objects.all()}
        self.projects = {p.code: p for p in BudgetProject.objects.all()}
        self.allowed: dict[int, set[int]] = {}
        for project_id, subject_id in BudgetProject.allowed_subjects.through.objects.values_list(
                "budgetproject_id", "economicsubject_id"):
            self.allowed.setdefault(project_id, set()).add(subject_id)
        self.accounts: dict[str, list[FundAccount]] = {}
        for account in FundAccount.objects.all():
            for name in {account.name, account.bank_account} - {""}:
                self.accounts.setdefault(name, []).append(account)
        years = {int(t) for t in (_text(r.values.get("year")) for r in rows)
                 if t and t.isdigit() and len(t) <= 4}
        self.existing = set(BudgetIndicator.objects.filter(year__in=years).values_list(
            "year", "department_id", "subject_id", "fund_account_id", "project_id"))


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _year(value, errors: list[str]) -> int | None:
    text = _text(value)
    if text is None or not text.isdigit():
        errors.append("年度须为四位数字。")
        return None
    return int(text)


def _amount(value, errors: list[str]) -> Decimal | None:
    try:
        amount = Decimal(_text(value) or "").normalize()
    except (InvalidOperation, TypeError):
        errors.append("金额须为数字。")
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT) \
            or amount > MAX_AMOUNT:
        errors.append("金额须大于 0、最多两位小数。")
        return None
    return amount.quantize(CENT)


def _found(table: dict, value, errors: list[str], label: str):
    code = _text(value)
    if code is None:
        errors.append(f"未填写{label}。")
        return None
    if code not in table:
        errors.append(f"没有{label}“{code}”。")
        return None
    return table[code]


def _account(lookups: _Lookups, value, errors: list[str]) -> FundAccount | None:
    matches = _found(lookups.accounts, value, errors, "资金账户")
    if matches and len(matches) > 1:
        errors.append(f"资金账户“{_text(value)}”不唯一，请填写银行账号。")
        return None
    return matches[0] if matches else None


def _check_row(row: Row, lookups: _Lookups, seen: dict[tuple, int]) -> None:
    errors, values = row.errors, row.values
    year = _year(values.get("year"), errors)
    department = _found(lookups.departments, values.get("department"), errors, "部门编码")
    project = None
    if values.get("project") is not None:
        project = _found(lookups.projects, values["project"], errors, "项目编码")
    subject = _found(lookups.subjects, values.get("subject"), errors, "经济分类科目")
    account = _account(lookups, values.get("fund_account"), errors)
    amount = _amount(values.get("amount"), errors)
    if errors:
        return
    errors.extend(indicator_refusals(
        year=year, department=department, subject=subject, fund_account=account,
        project=project, allowed=lookups.allowed.get(getattr(project, "pk", None), set())))
    key = (year, department.pk, subject.pk, account.pk, getattr(project, "pk", None))
    if key in lookups.existing:
        errors.append("已有相同年度、部门、科目、账户和项目的指标；增加金额请走预算调整。")
    elif key in seen:
        errors.append(f"与第 {seen[key]} 行重复。")
    seen.setdefault(key, row.number)
    row.fields = {"year": year, "department": department, "project": project,
                  "subject": subject, "fund_account": account, "amount": amount}


def validate(rows: list[Row]) -> list[Row]:
    """Check every row (each one's errors filled in); returns the refused rows."""
    lookups, seen = _Lookups(rows), {}
    for row in rows:
        _check_row(row, lookups, seen)
    return [row for row in rows if row.errors]


@transaction.atomic
def indicators_import(*, actor: User, path: Path) -> int:
    """Open every indicator of the sheet, or none: 422 `import_refused` with every refused
    row and its reasons."""
    rows = read_rows(path)
    indicators_lock()  # the duplicate checks below hold until this transaction ends
    refused = validate(rows)
    if refused:
        raise DomainError("import_refused", f"共 {len(refused)} 行未通过校验，未导入任何指标。",
                          422, rows=[{"row": r.number, "errors": r.errors} for r in refused],
                          checked=len(rows))
    for row in rows:
        indicator_open(actor=actor, **row.fields)
    return len(rows)


def template_bytes() -> bytes:
    """The import template: the header row and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "预算指标"
    sheet.append(list(COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (8, 12, 14, 18, 24, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = workbook.create_sheet("填写说明")
    for line in (
        ("列", "说明"),
        ("年度", "四位数字，如 2026"),
        ("部门编码", "本单位部门的编码"),
        ("项目编码", "项目支出填写项目编码；基本支出留空"),
        ("经济分类科目编码", "款级科目编码，如 30201（办公费）"),
        ("资金账户", "资金账户名称或银行账号"),
        ("金额", "元，大于 0，最多两位小数"),
        ("注意", f"任一行未通过校验则整表不导入；每次最多 {MAX_ROWS} 行"),
    ):
        notes.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
