"""The execution, 三公 and annual tables over the API: JSON with money as two-place strings,
and the same as Excel files (?format=xlsx) that open with openpyxl and hold the numbers."""

import io

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from apps.budget.exports import XLSX
from tests.apps.approvals.test_apis import client_for
from tests.apps.budget.test_selectors import YEAR, data_set
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(town_a):
    client = client_for(town_a, staff_make(town_a, posts=("accountant",)).user)
    with schema_context(town_a.schema_name):
        made = data_set()
    return client, made


def _sheet(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def _lines(sheet):
    """The data lines (after the title, subtitle and header lines)."""
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]


def test_execution_as_json(reader):
    client, made = reader

    body = client.get(f"/api/v1/budget/execution/?by=department&year={YEAR}").json()

    assert (body["year"], body["by"]) == (YEAR, "department")
    assert [(r["name"], r["amount"], r["committed"], r["executed"], r["available"],
             r["execution_rate"]) for r in body["rows"]] == [
        ("党政办公室", "1500.00", "100.00", "600.00", "800.00", "0.4000"),
        ("建设管理办", "12000.00", "5500.00", "1000.00", "5500.00", "0.0833"),
    ]
    assert body["total"]["executed"] == "1600.00"


def test_execution_as_excel(reader):
    client, _ = reader

    sheet = _sheet(client.get(f"/api/v1/budget/execution/?by=subject&year={YEAR}&format=xlsx"))

    assert [c.value for c in sheet[3]] == ["编码", "名称", "预算金额", "已冻结", "已支付",
                                           "可用余额", "执行率"]
    lines = _lines(sheet)
    assert lines[0] == ["30201", "办公费", 1000, 100, 200, 700, 0.2]
    assert lines[-1][1:] == ["合计", 13500, 5600, 1600, 6300, 0.1185]
    assert sheet["C4"].number_format == "#,##0.00"
    assert sheet["G4"].number_format == "0.00%"


def test_sangong_as_json_and_excel(reader):
    client, _ = reader

    body = client.get(f"/api/v1/budget/sangong/?year={YEAR}").json()
    sheet = _sheet(client.get(f"/api/v1/budget/sangong/?year={YEAR}&format=xlsx"))

    assert body["rows"][1] == {"code": "30217", "name": "公务接待费", "amount": "500.00",
                               "executed": "400.00", "last_year_executed": "600.00",
                               "change": "-200.00", "change_rate": "-0.3333"}
    assert _lines(sheet)[-1] == [None, "三公经费合计", 2500, 1400, 3100, -1700, -0.5484]


def test_budget_and_final_account_tables_as_excel(reader):
    client, _ = reader

    budget = _sheet(client.get(f"/api/v1/budget/tables/budget/?year={YEAR}&format=xlsx"))
    final = _sheet(client.get(f"/api/v1/budget/tables/final-account/?year={YEAR}&format=xlsx"))
    final_json = client.get(f"/api/v1/budget/tables/final-account/?year={YEAR}").json()

    assert _lines(budget)[0] == ["302", "商品和服务支出", 3500, 3500, 0]
    assert _lines(budget)[-1] == [None, "合计", 13500, 3500, 10000]
    assert budget["A1"].value == "年度预算表"
    assert _lines(final)[0] == ["302", "商品和服务支出", 3500, 1600, 0.4571]
    assert final_json["rows"][0] == {"level": "class", "code": "302", "name": "商品和服务支出",
                                     "amount": "3500.00", "executed": "1600.00",
                                     "execution_rate": "0.4571"}


@pytest.mark.parametrize("url", [
    "/api/v1/budget/execution/?by=weather", "/api/v1/budget/execution/?year=x",
    "/api/v1/budget/execution/?at=yesterday", "/api/v1/budget/sangong/?year=1",
    "/api/v1/budget/tables/budget/?format=pdf", "/api/v1/budget/tables/final-account/?year=20.5",
    "/api/v1/budget/execution/?by=weather&format=xlsx",
])
def test_bad_table_queries_are_400(reader, url):
    client, _ = reader

    response = client.get(url)

    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
