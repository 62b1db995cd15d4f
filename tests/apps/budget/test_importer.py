"""Importing indicators from Excel: all rows or none, a row-by-row report of what was refused
and why, the file checked by its bytes and its size, the template round-trips."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from apps.budget import importer
from apps.budget.models import BudgetIndicator, BudgetProject, EconomicSubject, LedgerEntry
from apps.budget.services import fund_account_create
from permissions.models import Department
from tests.apps.approvals.test_apis import client_for
from tests.apps.budget.helpers import indicator_make, ledger_matches_counters
from tests.apps.budget.test_apis import snapshot
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/budget/indicators/import/"
HEADER = ["年度", "部门编码", "项目编码", "经济分类科目编码", "资金账户", "金额"]
YEAR = timezone.localdate().year


@pytest.fixture
def setup(town_a):
    officer = staff_make(town_a, posts=("budget_officer",)).user
    member = staff_make(town_a, posts=("handler",)).user
    with schema_context(town_a.schema_name):
        office = Department.objects.create(name="党政办公室", code="DZB")
        works = Department.objects.create(name="建设管理办", code="JSB")
        fund_account_create(actor=None, name="镇财政零余额账户", kind="fiscal")
        fund_account_create(actor=None, name="镇政府基本户", kind="government",
                            bank_account="33010400123")
        project = BudgetProject.objects.create(code="P2026-01", name="村道维修养护",
                                               department=works)
        project.allowed_subjects.set(EconomicSubject.objects.filter(code__in=["30213", "31005"]))
    return {"officer": client_for(town_a, officer), "member": client_for(town_a, member),
            "office": office, "works": works}


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="预算.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")


GOOD = [
    [YEAR, "DZB", None, "30201", "镇财政零余额账户", 42000],
    [YEAR, "DZB", "", "30211", "镇财政零余额账户", "22000.50"],
    [YEAR, "JSB", "P2026-01", "30213", "33010400123", 1200000.25],
]


def test_good_rows_are_all_created(town_a, setup):
    with schema_context(town_a.schema_name):
        before = BudgetIndicator.objects.count()

    response = upload(setup["officer"], xlsx(GOOD))
    with schema_context(town_a.schema_name):
        after = BudgetIndicator.objects.count()
        made = list(BudgetIndicator.objects.order_by("id").values_list(
            "department__code", "project__code", "subject__code", "fund_account__name",
            "amount"))
        opens = LedgerEntry.objects.filter(kind="open").count()
        assert ledger_matches_counters()

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3}
    assert after - before == 3
    assert made == [("DZB", None, "30201", "镇财政零余额账户", Decimal("42000.00")),
                    ("DZB", None, "30211", "镇财政零余额账户", Decimal("22000.50")),
                    ("JSB", "P2026-01", "30213", "镇政府基本户", Decimal("1200000.25"))]
    assert opens == 3


def test_bad_rows_are_reported_one_by_one_and_nothing_is_created(town_a, setup):
    with schema_context(town_a.schema_name):
        indicator_make(amount="1.00", subject="30215", department=setup["office"])
        existing = BudgetIndicator.objects.get()
        existing_account = existing.fund_account.name
    rows = GOOD + [
        [YEAR, "NOPE", None, "30201", "镇财政零余额账户", 10],         # row 5
        [YEAR, "DZB", None, "302", "镇财政零余额账户", 10],            # row 6: class level
        [YEAR, "DZB", None, "30201", "镇财政零余额账户", "12.345"],    # row 7: duplicate + amount
        ["明年", "DZB", None, "30202", "没有的账户", -3],              # row 8: three errors
        [YEAR, "DZB", "P2026-01", "30213", "镇财政零余额账户", 5],      # row 9: other department
        [YEAR, "JSB", "P2026-01", "30201", "镇财政零余额账户", 5],      # row 10: out of scope
        [YEAR, "DZB", None, "30215", existing_account, 5],             # row 11: exists already
        [YEAR, "DZB", None, "30201", "镇财政零余额账户", 10],           # row 12: duplicate of 2
    ]
    before = snapshot(town_a)

    response = upload(setup["officer"], xlsx(rows))
    body = response.json()
    report = {r["row"]: r["errors"] for r in body["rows"]}

    assert (response.status_code, body["code"]) == (422, "import_refused")
    assert sorted(report) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert report[5] == ["没有部门编码“NOPE”。"]
    assert "类级科目" in report[6][0]
    assert report[7] == ["金额须大于 0、最多两位小数。"]
    assert len(report[8]) == 3
    assert report[9] == ["项目 P2026-01 不属于该部门。"]
    assert "可用费用范围" in report[10][0]
    assert "已有相同" in report[11][0]
    assert report[12] == ["与第 2 行重复。"]
    assert snapshot(town_a) == before


def test_the_template_round_trips(town_a, setup):
    template = setup["member"].get("/api/v1/budget/indicators/import-template/")
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    sheet.append([YEAR, "DZB", None, "30201", "镇财政零余额账户", 100])
    buffer = io.BytesIO()
    workbook.save(buffer)

    imported = upload(setup["officer"], buffer.getvalue())

    assert template.status_code == 200
    assert template["Content-Type"] == importer.XLSX
    assert [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]] \
        == HEADER
    assert imported.json() == {"created": 1}


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("content, status, code", [
    (b"%PDF-1.7 not a sheet", 415, "invalid_file"),
    (b"year,department\n2026,DZB\n", 415, "invalid_file"),
    (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), 415, "invalid_file"),
    (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"broken"}), 400, "invalid_file"),
    (xlsx([], header=["年度", "金额"]), 400, "invalid_header"),
    (xlsx([]), 400, "empty_file"),
])
def test_files_that_are_not_a_usable_sheet_are_refused(town_a, setup, content, status, code):
    before = snapshot(town_a)

    response = upload(setup["officer"], content)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert snapshot(town_a) == before


def test_too_many_rows_is_refused_clearly(town_a, setup, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    before = snapshot(town_a)

    response = upload(setup["officer"], xlsx(GOOD))

    assert (response.status_code, response.json()["code"]) == (422, "too_many_rows")
    assert response.json()["limit"] == 2
    assert snapshot(town_a) == before


def test_a_file_over_the_size_limit_is_refused(town_a, setup, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    content = xlsx(GOOD * 50)
    assert len(content) > 2048
    before = snapshot(town_a)

    response = upload(setup["officer"], content)

    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert snapshot(town_a) == before


def test_only_the_budget_officer_imports_and_a_file_is_required(town_a, setup):
    before = snapshot(town_a)

    by_member = upload(setup["member"], xlsx(GOOD))
    no_file = setup["officer"].post(URL, {}, format="multipart")
    as_json = setup["officer"].post(URL, {"file": "x"}, format="json")

    assert (by_member.status_code, by_member.json()["code"]) == (403, "permission_denied")
    assert (no_file.status_code, no_file.json()["code"]) == (400, "invalid")
    assert as_json.status_code == 415
    assert snapshot(town_a) == before
