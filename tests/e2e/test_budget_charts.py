"""In a real browser on a phone: the budget execution page draws its two ECharts bar charts
(by department, by subject) with the township's own figures, without a script error or a failed
request, whether opened directly or reached by the main menu (htmx swaps the page in; on the
second visit echarts.min.js arrives seconds late), and it fits the phone's width.

The same machinery as the other browser tests (tests/e2e/helpers.py): a tenant of its own whose
spending requests are approved and paid through the real services, committed, dropped after."""

import time
from collections.abc import Iterator

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, Route, expect

from apps.approvals.services import process_define
from permissions.services import department_create
from tenants.models import Tenant
from tests.apps.budget.helpers import indicator_make
from tests.apps.controls.rules.helpers import POSTS, ROUTE, request_approved, request_paid
from tests.e2e.helpers import Site, browse, live_site, log_in, menu
from tests.factories import staff_make

# What the charts must show, from the requests below. Departments in the order they were made,
# subjects by code; the series are 批复金额, 已冻结 (approved, not yet paid), 已支付, 可用余额.
SERIES = ["批复金额", "已冻结", "已支付", "可用余额"]
CHARTS = {
    "department": {"names": ["党政办", "农业办"],
                   "series": [[15000, 20000], [1200, 3000], [2300, 6000], [11500, 11000]]},
    "subject": {"names": ["办公费", "公务接待费"],
                "series": [[30000, 5000], [4200, 0], [6800, 1500], [19000, 3500]]},
}

LATE_SECONDS = 6  # longer than budget-charts.js's 5 s of waiting for window.echarts

# Per chart: is it an ECharts instance, its axis names and series, and whether each series'
# colour has been painted on the canvas (bars, not just axes; they grow in, so poll for it).
CHART_STATE = """() => Array.from(document.querySelectorAll("[data-budget-chart]"), (el) => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  const canvas = el.querySelector("canvas");
  if (!chart || !canvas) return {key: el.dataset.budgetChart, drawn: false};
  const option = chart.getOption();
  if (!option.series || !option.series.length) return {key: el.dataset.budgetChart, drawn: false};
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const painted = option.color.slice(0, option.series.length).map((hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b) count++;
    }
    return count;
  });
  return {key: el.dataset.budgetChart, drawn: true, names: option.xAxis[0].data,
          series: option.series.map((s) => s.name), data: option.series.map((s) => s.data),
          width: canvas.width, height: canvas.height, painted};
})"""
ALL_PAINTED = f"""() => {{
  const charts = ({CHART_STATE})();
  return charts.length === 2 && charts.every((c) => c.drawn && c.painted.length === 4
                                          && c.painted.every((n) => n > 0));
}}"""


def _township(tenant: Tenant, suffix: str) -> dict[str, str]:
    """党政办 and 农业办 with their indicators; requests approved (frozen) and paid on them."""
    people = {post: staff_make(tenant, posts=(post,), username=f"e2e-{post}-{suffix}").user
              for post in POSTS}
    year = timezone.localdate().year
    with schema_context(tenant.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        office = department_create(actor=None, name="党政办", code="dzb")
        farming = department_create(actor=None, name="农业办", code="nyb")
        office_supplies = indicator_make(amount="10000.00", subject="30201", department=office,
                                         year=year)
        reception = indicator_make(amount="5000.00", subject="30217", department=office,
                                   year=year)
        farming_supplies = indicator_make(amount="20000.00", subject="30201",
                                          department=farming, year=year)
        request_paid(people, office_supplies, "800.00")
        request_approved(people, office_supplies, "1200.00")
        request_paid(people, reception, "1500.00", purpose="接待县农业农村局检查组")
        request_paid(people, farming_supplies, "6000.00")
        request_approved(people, farming_supplies, "3000.00")
    return {post: user.username for post, user in people.items()}


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    with live_site(django_db_blocker, tmp_path_factory, _township) as served:
        yield served


def _watch(page: Page) -> dict[str, list]:
    """What would go wrong unseen: script errors, ECharts' warnings, failed requests."""
    seen: dict[str, list] = {"errors": [], "failed": [], "scripts": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda message: seen["errors"].append(message.text)
            if message.type == "error" or "[ECharts]" in message.text else None)
    page.on("requestfailed", lambda request: seen["failed"].append(request.url))
    page.on("response", lambda response: seen["failed"].append(
        f"{response.status} {response.url}") if response.status >= 400 else None)
    page.on("response", lambda response: seen["scripts"].append(
        (response.url.rsplit("/", 1)[-1], response.status)) if "/static/js/" in response.url
        else None)
    return seen


def _assert_charts_drawn(page: Page, seen: dict[str, list]) -> None:
    heading = f"{timezone.localdate().year}年预算执行"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.wait_for_function(ALL_PAINTED, timeout=15_000)
    charts = {chart.pop("key"): chart for chart in page.evaluate(CHART_STATE)}
    assert set(charts) == set(CHARTS)
    for key, expected in CHARTS.items():
        chart = charts[key]
        assert (chart["names"], chart["series"], chart["data"]) == (
            expected["names"], SERIES, expected["series"]), key
        assert chart["width"] > 300 and chart["height"] > 300, chart  # device pixels, x2
    assert {"echarts.min.js", "budget-charts.js"} <= {name for name, _ in seen["scripts"]}
    assert all(status in (200, 304) for _, status in seen["scripts"]), seen["scripts"]
    assert (seen["errors"], seen["failed"]) == ([], [])


# The lines each name in the department table's first column is broken into.
NAME_LINES = """() => Array.from(
  document.querySelectorAll('[data-table="department"] td:first-child'), (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
    return [cell.textContent, tops.size];
  })"""


def _fits_the_phone(page: Page) -> None:
    """No sideways scrolling of the page (the wide tables scroll in their own box), and the
    department names are not squeezed to one character per line."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone"
    assert page.evaluate(NAME_LINES) == [["党政办", 1], ["农业办", 1], ["合计", 1]]


def _opened_directly(browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "accountant")
    seen = _watch(page)
    page.goto("/budget/")
    _assert_charts_drawn(page, seen)
    _fits_the_phone(page)
    page.context.close()


def _late(route: Route) -> None:
    """echarts.min.js (1 MB) arriving seconds late, as on a township's mobile network."""
    time.sleep(LATE_SECONDS)  # only this response waits; the page's scripts run on
    route.continue_()


def _reached_by_the_menu(browser: Browser, site: Site) -> None:
    """hx-boost swaps the page in and runs its scripts again, on each visit."""
    page = log_in(browser, site, "accountant")
    seen = _watch(page)
    menu(page, "预算执行").click()
    _assert_charts_drawn(page, seen)
    _fits_the_phone(page)

    menu(page, "我的待办").click()
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    page.route("**/static/js/echarts.min.js", _late)
    with page.expect_request_finished(lambda request: request.url.endswith("/echarts.min.js"),
                                      timeout=LATE_SECONDS * 1000 + 15_000):
        menu(page, "预算执行").click()
    page.wait_for_timeout(1000)  # the late script has run: the charts must be its own
    _assert_charts_drawn(page, seen)
    page.context.close()


def test_the_execution_charts_show_the_budget_on_a_phone(site):
    browse(site, _opened_directly)


def test_the_execution_charts_draw_when_reached_by_the_menu(site):
    browse(site, _reached_by_the_menu)

