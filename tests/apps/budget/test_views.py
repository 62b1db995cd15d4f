"""The budget execution page: tables by department and by subject with their totals, 三公经费
against last year, and the same numbers embedded as JSON for the ECharts bar charts."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute
from permissions.models import Department
from tests.apps.budget.helpers import indicator_make
from tests.conftest import host_of
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def member(town_a):
    """A finance post: sees the whole unit's execution (permissions.visibility)."""
    return staff_make(town_a, posts=("accountant",), display_name="孙会计").user


@pytest.fixture
def figures(town_a):
    """党政办: ¥1000 for 办公费 with ¥200 committed and ¥300 paid; 公务接待 ¥500 this year,
    ¥400 paid last year."""
    year = timezone.localdate().year
    with schema_context(town_a.schema_name):
        office = Department.objects.create(name="党政办", code="DZB")
        indicator = indicator_make(amount="1000.00", subject="30201", department=office,
                                   year=year)
        budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("500.00"))],
                      document_type="test", document_id="1", year=year)
        budget_execute(actor=None, indicator_id=indicator.pk, amount=Decimal("300.00"),
                       document_type="test", document_id="1")
        indicator_make(amount="500.00", subject="30217", department=office, year=year)
        last = indicator_make(amount="600.00", subject="30217", department=office,
                              year=year - 1)
        budget_commit(actor=None, draws=[Draw(last.pk, Decimal("400.00"))],
                      document_type="test", document_id="2", year=year - 1)
        budget_execute(actor=None, indicator_id=last.pk, amount=Decimal("400.00"),
                       document_type="test", document_id="2")
    return year


def signed_in(tenant, user) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def test_the_page_shows_execution_by_department_and_subject(town_a, member, figures):
    response = signed_in(town_a, member).get("/budget/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{figures}年预算执行</h1>" in page
    assert ("<tr><td>党政办</td><td>1500.00</td><td>200.00</td><td>300.00</td>"
            "<td>1000.00</td><td>20.00%</td></tr>") in page
    assert ("<tr><td>30201 办公费</td><td>1000.00</td><td>200.00</td><td>300.00</td>"
            "<td>500.00</td><td>30.00%</td></tr>") in page
    assert ('<tr class="total"><td>合计</td><td>1500.00</td><td>200.00</td><td>300.00</td>'
            "<td>1000.00</td><td>20.00%</td></tr>") in page


def test_the_page_compares_sangong_with_last_year(town_a, member, figures):
    page = signed_in(town_a, member).get("/budget/").content.decode()

    assert "三公经费（与上年比）" in page
    assert ("<tr><td>公务接待费</td><td>500.00</td><td>0.00</td><td>400.00</td>"
            "<td>-400.00</td><td>-100.00%</td></tr>") in page
    assert '<tr class="total"><td>三公经费合计</td>' in page


def test_the_page_embeds_the_chart_data_and_the_chart_scripts(town_a, member, figures):
    page = signed_in(town_a, member).get("/budget/").content.decode()

    start = page.index('<script id="budget-chart-data" type="application/json">')
    data = json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])
    assert data["department"] == {"names": ["党政办"], "amount": ["1500.00"],
                                  "committed": ["200.00"], "executed": ["300.00"],
                                  "available": ["1000.00"]}
    assert data["subject"]["names"] == ["办公费", "公务接待费"]
    assert data["subject"]["available"] == ["500.00", "500.00"]
    assert 'data-budget-chart="department"' in page
    assert "js/echarts.min.js" in page
    assert "js/budget-charts.js" in page


def test_an_empty_year_still_renders(town_a, member):
    response = signed_in(town_a, member).get("/budget/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<tr class="total"><td>合计</td><td>0.00</td>' in page


def test_staff_of_another_township_are_refused(town_a, figures):
    outsider = staff_make(town_a.__class__.objects.get(slug="town-b")).user

    response = signed_in(town_a, outsider).get("/budget/")

    assert response.status_code == 403


def test_a_member_outside_the_finance_posts_sees_only_their_departments(town_a, figures):
    clerk = staff_make(town_a, display_name="钱经办").user  # no department, no finance post
    response = signed_in(town_a, clerk).get("/budget/")
    page = response.content.decode()

    assert response.status_code == 200 and "预算执行" in page
    assert "党政办" not in page
