"""The authorization matrix (STYLE.md §11): every URL pattern × role × host × {GET, unsafe}.

Every route of county_platform.urls needs a row in ROWS, or `test_every_route_has_a_row`
fails. A row states who passes the route's gate; the expected answer for every role on every
host follows from the rules in `expect()`:

- anonymous: API 401 `not_authenticated`; pages 302 to the login page;
- not a member of the host's tenant (staff elsewhere, an expired grant): 403 `not_a_member`;
- inspector with a live grant: GET 200, every unsafe method 403 `read_only`;
- a member: county-only routes on a township host 404; a member outside the row's gate
  403 `permission_denied`; a missing handler 405; another tenant's object 4xx, never 2xx.

A route with a path parameter names a real object through `obj=` (made in town-a, or in the
county for county rows), so that on every other host it is a real foreign object; `private`
marks an object only its owner opens (others on its host get the 404 of a missing one).

Adding a route is one line: `"api:<name>": Row(...)` (see the examples below)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from county_platform.api.base import TenantAPIView
from tenants.inspectors import inspector_grant_create
from tenants.models import InspectorGrant, Tenant
from tests.conftest import api_client, host_of
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db

# ---- walking the URL patterns ----------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "api:me", "web:home"
    pattern: str
    converters: dict
    view: Callable

    @property
    def view_class(self):
        return getattr(self.view, "view_class", None) or getattr(self.view, "cls", None)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("/api/")

    @property
    def is_tenant_api_view(self) -> bool:
        return isinstance(self.view_class, type) and issubclass(self.view_class, TenantAPIView)

    def handles(self, method: str) -> bool:
        cls = self.view_class
        if cls is None:
            return True  # a function view answers every method itself
        allowed = getattr(cls, "http_method_names", METHODS)
        return method in allowed and hasattr(cls, method)


def _walk(patterns, prefix: str, namespace: str, converters: dict):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            more = {**converters, **getattr(entry.pattern, "converters", {})}
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns, more)
        elif isinstance(entry, URLPattern):
            yield Route(
                name=f"{namespace}{entry.name}",
                pattern="/" + prefix + str(entry.pattern),
                converters={**converters, **getattr(entry.pattern, "converters", {})},
                view=entry.callback,
            )


def tenant_routes() -> list[Route]:
    """Every URL pattern served on a tenant's host, through every include."""
    return list(_walk(get_resolver("county_platform.urls").url_patterns, "", "", {}))


def route_path(route: Route, kwargs: dict | None = None) -> str:
    """The route's path with `kwargs`, or with placeholders that name no object."""
    if route.name == "api:not-found":
        return "/api/v1/no-such-endpoint/"
    if kwargs is None:
        kwargs = {
            key: 987654 if isinstance(conv, IntConverter) else "no-such-thing"
            for key, conv in route.converters.items()
        }
    return reverse(route.name, kwargs=kwargs)


# ---- the actors ------------------------------------------------------------------------------

ROLES = (
    "anonymous", "member", "tenant_admin", "county_admin", "inspector", "inspector_no_grant",
    "other_member",
)
HOSTS = ("town-a", "town-b", "cty")
# Where each role is staff, with which posts; where each inspector reads.
STAFF = {
    ("member", "town-a"): (),
    ("tenant_admin", "town-a"): ("tenant_admin",),
    ("county_admin", "cty"): ("county_admin",),
    ("other_member", "town-b"): (),
}
INSPECTS = {("inspector", "town-a"), ("inspector", "cty")}


class Actors:
    """The seven roles, made fresh for each test (rolled back with it)."""

    def __init__(self):
        self.tenants = {slug: Tenant.objects.get(slug=slug) for slug in HOSTS}
        self.staff = {role: staff_make(self.tenants[host], posts=posts)
                      for (role, host), posts in STAFF.items()}
        self.users = {role: staff.user for role, staff in self.staff.items()}
        self.users["anonymous"] = None
        self.users["inspector"] = user_make()
        self.users["inspector_no_grant"] = user_make()
        self.grant(self.users["inspector"], ("town-a",))
        expired = self.grant(self.users["inspector_no_grant"], ("town-a",))
        InspectorGrant.objects.filter(pk=expired.pk).update(
            valid_from=timezone.localdate() - timedelta(days=90),
            valid_to=timezone.localdate() - timedelta(days=1),
        )
        self._clients: dict = {}

    def grant(self, user, slugs):
        return inspector_grant_create(
            actor=self.users["county_admin"], county=self.tenants["cty"],
            username=user.username, tenant_slugs=list(slugs),
            valid_from=timezone.localdate(), valid_to=timezone.localdate() + timedelta(days=30),
            reason="矩阵测试",
        )

    def in_schema(self, slug: str):
        return schema_context(self.tenants[slug].schema_name)

    def client(self, role: str, host: str, *, api: bool):
        key = (role, host, api)
        if key not in self._clients:
            self._clients[key] = self._make_client(role, self.tenants[host], api=api)
        return self._clients[key]

    def _make_client(self, role, tenant, *, api):
        user = self.users[role]
        if api:
            token = Token.objects.get_or_create(user=user)[0].key if user else None
            return api_client(tenant, token)
        client = Client(HTTP_HOST=host_of(tenant))
        if user is not None:
            with schema_context(tenant.schema_name):  # sessions live in the host's schema
                client.force_login(user)
        return client


# ---- expectations ----------------------------------------------------------------------------

MEMBER = "member"  # any member of the host's tenant passes the gate
ADMIN = ("tenant_admin",)
COUNTY_ADMIN = ("county_admin",)
BUDGET = ("budget_officer",)
FINANCE = ("cashier", "accountant", "budget_officer")
CASHIER = ("cashier",)
# Outcomes that are not one status: a permitted write (any non-gate answer), the same with a
# placeholder id, a read with a placeholder id, another tenant's object, the login redirect.
ALLOWED, ALLOWED_MISSING, READ_MISSING = "allowed", "allowed-missing", "read-missing"
FOREIGN, LOGIN = "foreign", "login"


@dataclass(frozen=True)
class Expect:
    status: int | str  # a number, or one of the outcomes above
    code: str | None = None

    def check(self, response) -> bool:
        got = response.status_code
        if self.status in (ALLOWED, ALLOWED_MISSING):  # with a placeholder id, 404 too
            missing = self.status == ALLOWED_MISSING and got == 404
            return missing or _passed_the_gate(response)
        if self.status == READ_MISSING:  # a placeholder id: 200 or the same 404 as "not yours"
            return got in (200, 404)
        if self.status == FOREIGN:  # another tenant's object: refused, never served
            return got in (400, 404, 409, 422)
        if self.status == LOGIN:
            return got == 302 and response["Location"].startswith("/login/")
        if got != self.status:
            return False
        return self.code is None or _code(response) == self.code


GATE_CODES = {"not_authenticated", "not_a_member", "read_only", "permission_denied"}
NOT_A_MEMBER_PAGE = "不能访问本站点"


def _code(response) -> str | None:
    """The API's error code; for a 403 page, which of the two pages it is."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json().get("code")
    if response.status_code == 403:
        return "not_a_member" if NOT_A_MEMBER_PAGE in response.content.decode() else "forbidden"
    return None


def _passed_the_gate(response) -> bool:
    """The caller got past authorization: success, a redirect after a page's POST, bad input
    (400, 415 for a JSON body to an upload), a state conflict, or a duty rule's own 403
    (county_minimum, sod_conflict, …)."""
    got = response.status_code
    if 200 <= got < 300 or got in (400, 409, 415, 422):
        return True
    if got == 302:
        return not response["Location"].startswith("/login/")
    return got == 403 and _code(response) not in GATE_CODES | {"forbidden"}


@dataclass(frozen=True)
class Row:
    reads: str | tuple[str, ...] = MEMBER  # who passes the gate for GET
    writes: str | tuple[str, ...] = MEMBER  # who passes it for the unsafe method
    county: bool = False  # county-only: does not exist on a township host
    unsafe: str = "post"  # the unsafe method to try (the route's own, if it has one)
    obj: Callable[[Actors], dict] | None = None  # kwargs naming a real object (own tenant)
    # The object is someone's own (an assignee's task, a recipient's notification): on its
    # own host a member past the gate may get the same 404 as for a missing one; on every
    # other host it is another tenant's object all the same.
    private: bool = False
    inspectors_read: bool = True
    methods: tuple[str, ...] | None = None  # a function view's methods (require_GET, …)
    fixed: Callable[[str, str, str], Expect] | None = None  # outside the membership rule
    note: str = field(default="", compare=False)


def expect(row: Row, route: Route, role: str, host: str, method: str) -> Expect:
    if row.fixed is not None:
        return row.fixed(role, host, method)
    if role == "anonymous":
        return Expect(401, "not_authenticated") if route.is_api else Expect(LOGIN)
    inspector = (role, host) in INSPECTS
    if (role, host) not in STAFF and not inspector:
        return Expect(403, "not_a_member")
    safe = method == "get"
    if inspector and not safe:
        return Expect(403, "read_only" if route.is_api else "forbidden")
    if row.county and host != "cty":
        return Expect(404, "not_found" if route.is_api else None)
    if not _passes_gate(row, role, host, safe=safe, inspector=inspector):
        return Expect(403, "permission_denied")
    if not _handles(route, row, method):
        return Expect(405, "method_not_allowed" if route.is_api else None)
    if row.obj is not None and host != _object_host(row):
        return Expect(FOREIGN)
    placeholder = (row.obj is None or row.private) and bool(route.converters)
    if safe:
        return Expect(READ_MISSING if placeholder else 200)
    return Expect(ALLOWED_MISSING if placeholder else ALLOWED)


def _handles(route: Route, row: Row, method: str) -> bool:
    return method in row.methods if row.methods is not None else route.handles(method)


def _passes_gate(row: Row, role: str, host: str, *, safe: bool, inspector: bool) -> bool:
    if inspector:
        return row.inspectors_read
    gate = row.reads if safe else row.writes
    return gate == MEMBER or bool(set(gate) & set(STAFF[(role, host)]))


def _object_host(row: Row) -> str:
    return "cty" if row.county else "town-a"


def fixed(get: int | str, post: int | str, *, anonymous: tuple | None = None):
    """A route outside the membership rule: the same answer for every signed-in role."""

    def answer(role: str, host: str, method: str) -> Expect:
        if anonymous is not None and role == "anonymous":
            return Expect(anonymous[0 if method == "get" else 1])
        return Expect(get if method == "get" else post)

    return answer


def api_document(role: str, host: str, method: str) -> Expect:
    """The OpenAPI document and its page: the membership rule, answered in YAML or HTML (so
    without the JSON error code)."""
    if role == "anonymous":
        return Expect(401)
    if (role, host) not in STAFF and (role, host) not in INSPECTS:
        return Expect(403)
    if method != "get":
        return Expect(403 if (role, host) in INSPECTS else 405)
    return Expect(200)


def county_page(found: int | str = 200):
    """A county page for county_admin and inspectors (GET only): other county staff 403, and
    on a township's host the page does not exist (404)."""
    def answer(role: str, host: str, method: str) -> Expect:
        if role == "anonymous":
            return Expect(LOGIN)
        inspector = (role, host) in INSPECTS
        if (role, host) not in STAFF and not inspector:
            return Expect(403, "not_a_member")
        if method != "get":
            return Expect(403, "forbidden") if inspector else Expect(405)
        if host != "cty":
            return Expect(404)
        return Expect(found if role in ("county_admin", "inspector") else 403)
    return answer


# ---- objects for routes with an id -----------------------------------------------------------


def _assignment(actors: Actors) -> dict:
    from permissions.models import PostAssignment

    with actors.in_schema("town-a"):
        return {"pk": PostAssignment.objects.get(staff=actors.staff["tenant_admin"]).pk}


def _rotation_plan(actors: Actors) -> dict:
    from permissions.rotation import rotation_plan_create

    with actors.in_schema("town-a"):
        plan = rotation_plan_create(
            actor=None, staff=actors.staff["tenant_admin"], post_code="tenant_admin",
            planned_date=timezone.localdate() + timedelta(days=30),
        )
    return {"pk": plan.pk}


def _tenant_sod_rule(actors: Actors) -> dict:
    from permissions.models import SodRule

    with actors.in_schema("town-a"):
        return {"code": SodRule.objects.order_by("id").values_list("code", flat=True)[0]}


def _tenant_post(actors: Actors) -> dict:
    return {"code": "cashier"}


def _county_row(model_path: str, key: str) -> Callable[[Actors], dict]:
    def make(actors: Actors) -> dict:
        from django.apps import apps

        model = apps.get_model(model_path)
        rows = model.objects.filter(county=actors.tenants["cty"]).order_by("pk")
        return {key: rows.values_list(key, flat=True)[0]}

    return make


def _grant(actors: Actors) -> dict:
    return {"pk": actors.grant(user_make(), ("town-b",)).pk}


def _seal_application(actors: Actors) -> dict:
    from apps.approvals.services import process_define
    from apps.seals.services import seal_application_create, seal_application_submit

    with actors.in_schema("town-a"):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"}])
        application = seal_application_create(
            actor=actors.users["member"], seal_kind="official", document_title="矩阵测试",
            purpose="矩阵测试")
        return {"pk": seal_application_submit(actor=actors.users["member"],
                                              application_id=application.pk).pk}


def _approval(actors: Actors) -> dict:
    from apps.seals.models import SealApplication

    pk = _seal_application(actors)["pk"]
    with actors.in_schema("town-a"):
        return {"pk": SealApplication.objects.get(pk=pk).approval_id}


def _as(key: str, make: Callable[[Actors], dict]) -> Callable[[Actors], dict]:
    """The same object under the page's own parameter name (`application_id`, …)."""
    return lambda actors: {key: make(actors)["pk"]}


def _task(actors: Actors) -> dict:
    """A pending approval task, assigned to a department head (neither member nor admin)."""
    from apps.approvals.models import ApprovalTask

    staff_make(actors.tenants["town-a"], posts=("dept_head",))
    approval = _approval(actors)["pk"]
    with actors.in_schema("town-a"):
        return {"pk": ApprovalTask.objects.filter(step__approval_id=approval).first().pk}


def _alert(actors: Actors) -> dict:
    from apps.controls.services import alert_raise

    with actors.in_schema("town-a"):
        alert = alert_raise(rule="matrix_test", severity="warn", message="矩阵测试",
                            dedupe_key="matrix:alert", responsible_post="tenant_admin")
    return {"pk": alert.pk}


def _county_alert(actors: Actors) -> dict:
    """The county's copy of a town-a alert (its id is the county route's)."""
    from apps.county.models import CountyAlert

    alert_id = _alert(actors)["pk"]
    return {"pk": CountyAlert.objects.get(tenant=actors.tenants["town-a"], alert_id=alert_id).pk}


def _spending_request(actors: Actors) -> dict:
    from apps.expenditure.services import request_create

    with actors.in_schema("town-a"):
        request = request_create(actor=actors.users["member"], amount="100.00",
                                 purpose="矩阵测试办公用品")
    return {"pk": request.pk}


def _sod_exception(actors: Actors) -> dict:
    from permissions.exceptions import sod_exception_request

    today = timezone.localdate()
    exception = sod_exception_request(
        actor=actors.users["tenant_admin"], tenant=actors.tenants["town-a"],
        user=actors.users["member"], rule_code="sod_cashier_accountant", reason="人手不足",
        substitute_control="每月由纪检监督复核", valid_from=today,
        valid_to=today + timedelta(days=30))
    return {"pk": exception.pk}


def _notification(actors: Actors) -> dict:
    """An in-app notification for the member (delivered as the outbox would)."""
    from apps.notifications.models import Notification
    from apps.notifications.services import notify_fan_out

    member = actors.users["member"]
    with actors.in_schema("town-a"):
        notify_fan_out(payload={"recipient_id": member.pk, "kind": "info", "title": "矩阵测试"},
                       source_key="matrix:notification")
        return {"pk": Notification.objects.get(source_key="matrix:notification").pk}


def _township(actors: Actors) -> dict:
    return {"slug": "town-a"}


def _department(actors: Actors, code: str):
    """A department of town-a that the plain member belongs to (so they see its budget)."""
    from permissions.models import StaffMember
    from permissions.services import department_create

    department = department_create(actor=None, name=f"矩阵{code}", code=f"matrix-{code}")
    # No service moves a member between departments; the membership is the point here.
    StaffMember.objects.filter(pk=actors.staff["member"].pk).update(department=department)
    return department


def _budget_project(actors: Actors) -> dict:
    from apps.budget.services import project_create

    with actors.in_schema("town-a"):
        project = project_create(actor=None, code="MX-1", name="矩阵项目",
                                 department=_department(actors, "project"),
                                 allowed_subjects=["30201"])
    return {"pk": project.pk}


def _indicator_in_town_a(actors: Actors):
    from decimal import Decimal

    from apps.budget.ledger import indicator_open
    from apps.budget.models import EconomicSubject
    from apps.budget.services import fund_account_create

    account = fund_account_create(actor=None, name="矩阵账户", kind="fiscal")
    return indicator_open(actor=None, year=timezone.localdate().year,
                          department=_department(actors, "line"), project=None,
                          subject=EconomicSubject.objects.get(code="30201"),
                          fund_account=account, amount=Decimal("1000.00"))


def _budget_indicator(actors: Actors) -> dict:
    with actors.in_schema("town-a"):
        return {"pk": _indicator_in_town_a(actors).pk}


def _budget_adjustment(actors: Actors) -> dict:
    from apps.approvals.services import process_define
    from apps.budget.adjustments import adjustment_create

    with actors.in_schema("town-a"):
        process_define(actor=None, document_type="budget_adjustment", name="预算调整审批",
                       steps=[{"name": "主要负责人审批", "post_code": "principal", "mode": "any"}])
        adjustment = adjustment_create(actor=actors.users["tenant_admin"],
                                       indicator_id=_indicator_in_town_a(actors).pk,
                                       delta="100.00", reason="矩阵测试")
    return {"pk": adjustment.pk}


def _revenue(actors: Actors) -> dict:
    from apps.budget.revenue import revenue_create
    from apps.budget.services import fund_account_create

    with actors.in_schema("town-a"):
        account = fund_account_create(actor=None, name="矩阵收入账户", kind="fiscal")
        revenue = revenue_create(actor=actors.users["tenant_admin"], kind=_revenue_kind(),
                                 fund_account_id=account.pk, amount="100.00",
                                 received_on=timezone.localdate(), payer="矩阵测试")
    return {"pk": revenue.pk}


def _revenue_kind() -> str:
    from apps.budget.models import RevenueKind

    return RevenueKind.values[0]


# ---- the table -------------------------------------------------------------------------------

ROWS: dict[str, Row] = {
    # Outside the membership rule, each for a reason.
    "api:auth-token": Row(fixed=fixed(405, 400), note="credentials in, token out; any host"),
    "api:schema": Row(fixed=api_document, note="the OpenAPI document, for members"),
    "api:docs": Row(fixed=api_document, note="its browsable page, for members"),
    "api:not-found": Row(fixed=fixed(404, 404)),
    "web:login": Row(fixed=fixed(302, 302, anonymous=(200, 200)), note="signed in: go home"),
    "web:logout": Row(fixed=fixed(405, 302), note="POST only; inspectors too"),
    # Every tenant: identity and audit.
    "api:me": Row(),
    "api:audit-head": Row(),
    "web:home": Row(),
    # Township duties.
    "api:departments": Row(writes=ADMIN),
    "api:me-departments": Row(),
    "api:staff": Row(writes=ADMIN),
    "api:posts": Row(),
    "api:post-tighten": Row(writes=ADMIN, unsafe="patch", obj=_tenant_post),
    "api:post-assignments": Row(writes=ADMIN),
    "api:post-assignments-simulate": Row(reads=ADMIN, writes=ADMIN),
    "api:post-assignments-end": Row(reads=ADMIN, writes=ADMIN, obj=_assignment),
    "api:sod-exceptions": Row(writes=ADMIN),
    "api:sod-rules": Row(writes=ADMIN),
    "api:sod-rule": Row(writes=ADMIN, unsafe="delete", obj=_tenant_sod_rule),
    "api:role-matrix": Row(writes=ADMIN),
    "api:rotation-due": Row(),
    "api:rotation-plans": Row(writes=ADMIN),
    "api:rotation-plan-done": Row(reads=ADMIN, writes=ADMIN, obj=_rotation_plan),
    "api:rotation-special-audits": Row(writes=ADMIN),
    "api:alerts": Row(),
    "api:alert": Row(obj=_alert, note="any member reads the tenant's alerts"),
    "api:alert-acknowledge": Row(note="the responsible post or tenant_admin: the service's "
                                      "403 reads as a gate refusal, so a placeholder"),
    "api:alert-rectify": Row(obj=_alert, note="the input is checked first (400)"),
    "api:rules": Row(),
    "api:rule": Row(writes=ADMIN, unsafe="put", note="rule codes are global: a placeholder"),
    # Approvals (the caller's tasks; one approval: applicant, task holders, overseers).
    "api:approval-tasks": Row(),
    "api:approval-task-counts": Row(),
    "api:approval-task-approve": Row(obj=_task, private=True,
                                     note="the task's assignee; anyone else 404"),
    "api:approval-task-reject": Row(obj=_task, private=True),
    "api:approval-task-return": Row(obj=_task, private=True),
    "api:approval-task-delegate": Row(obj=_task),
    "api:approval-task-add-signer": Row(obj=_task),
    "api:approval": Row(obj=_approval, note="member is the applicant; admin oversees"),
    "api:approval-comments": Row(obj=_approval, note="applicant or task holder; admin oversees"),
    "api:approval-stats-steps": Row(),
    "api:approval-stats-tenant": Row(),
    # Seal-use applications (any member drafts; only the applicant submits or withdraws).
    "api:seal-applications": Row(),
    "api:seal-application": Row(obj=_seal_application, note="member is the applicant"),
    "api:seal-application-submit": Row(obj=_seal_application, private=True,
                                       note="only the applicant"),
    "api:seal-application-withdraw": Row(obj=_seal_application, private=True),
    # County only.
    "api:county-tenants": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-sod-exceptions": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-sod-exceptions-approve": Row(county=True, reads=COUNTY_ADMIN,
                                             writes=COUNTY_ADMIN, obj=_sod_exception),
    "api:county-sod-exceptions-reject": Row(county=True, reads=COUNTY_ADMIN,
                                            writes=COUNTY_ADMIN, obj=_sod_exception),
    "api:county-template-posts": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-template-post": Row(
        county=True, writes=COUNTY_ADMIN, unsafe="patch",
        obj=_county_row("catalog.CountyPost", "code")),
    "api:county-template-role-matrix": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-template-role-step": Row(
        county=True, writes=COUNTY_ADMIN, unsafe="patch",
        obj=_county_row("catalog.CountyRoleStep", "pk")),
    "api:county-template-sod-rules": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-template-sod-rule": Row(
        county=True, writes=COUNTY_ADMIN, unsafe="delete",
        obj=_county_row("catalog.CountySodRule", "code")),
    "api:county-template-parameters": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-template-parameter": Row(
        county=True, writes=COUNTY_ADMIN, unsafe="patch",
        obj=_county_row("catalog.CountyParameter", "code")),
    "api:county-template-versions": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-template-publish": Row(county=True, writes=COUNTY_ADMIN),
    "api:inspector-grants": Row(county=True, writes=COUNTY_ADMIN),
    "api:inspector-grant-revoke": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                                      obj=_grant),
    "api:inspector-access": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                                inspectors_read=False, note="the log is not the inspectors'"),
    "api:county-process-templates": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-process-template-versions": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-process-template-publish": Row(county=True, writes=COUNTY_ADMIN),
    "api:county-process-template": Row(
        county=True, writes=COUNTY_ADMIN, unsafe="patch",
        obj=_county_row("approval_templates.CountyProcess", "document_type")),
    "api:county-stats": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-stats-township": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                                     obj=_township),
    "api:county-alerts": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-alert": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                            obj=_county_alert),
    "api:county-alert-evidence": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-alert-close": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                                  obj=_county_alert),
    "api:county-alert-reopen": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                                   obj=_county_alert),
    "api:county-rules": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN),
    "api:county-rule": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                           unsafe="patch", obj=lambda actors: {"code": "duplicate_request"}),
    # Approvals, attachments, seals, notifications: the assignee/owner checks are the
    # services' (a placeholder id answers 404); the gate is membership.
    "api:processes": Row(writes=ADMIN),
    "api:process": Row(writes=ADMIN, unsafe="put",
                       note="every tenant has each document type's process: a placeholder"),
    "api:attachments": Row(),
    "api:attachment": Row(unsafe="delete"),
    "api:attachment-download": Row(),
    "api:notifications": Row(),
    "api:notifications-unread-count": Row(),
    "api:notifications-read-all": Row(),
    "api:notification-read": Row(obj=_notification, private=True,
                                 note="member is the recipient; anyone else 404"),
    "api:notifications-dingtalk-config": Row(reads=ADMIN, writes=ADMIN, unsafe="put"),
    # Budget and spending.
    "api:fund-accounts": Row(writes=BUDGET),
    "api:subjects": Row(writes=BUDGET),
    "api:budget-projects": Row(writes=BUDGET),
    "api:budget-project-officer": Row(reads=BUDGET + ADMIN, writes=BUDGET + ADMIN,
                                      obj=_budget_project),
    "api:budget-indicators": Row(writes=BUDGET),
    "api:budget-indicator": Row(writes=BUDGET, obj=_budget_indicator,
                                note="member belongs to the line's department"),
    "api:budget-indicators-import": Row(reads=BUDGET, writes=BUDGET),
    "api:budget-indicators-import-template": Row(writes=BUDGET),
    "api:budget-department-limits": Row(writes=BUDGET),
    "api:budget-subject-totals": Row(writes=BUDGET),
    "api:budget-adjustments": Row(writes=BUDGET),
    "api:budget-adjustment": Row(writes=BUDGET, obj=_budget_adjustment),
    "api:budget-adjustment-submit": Row(reads=BUDGET, writes=BUDGET, obj=_budget_adjustment),
    "api:budget-adjustment-withdraw": Row(reads=BUDGET, writes=BUDGET,
                                          obj=_budget_adjustment),
    "api:budget-execution": Row(writes=BUDGET),
    "api:budget-sangong": Row(writes=BUDGET),
    "api:budget-table": Row(writes=BUDGET),
    "api:budget-final-account": Row(writes=BUDGET),
    "api:revenues": Row(writes=FINANCE),
    "api:revenue": Row(writes=FINANCE, obj=_revenue),
    "api:revenue-submit": Row(reads=FINANCE, writes=FINANCE, obj=_revenue),
    "api:revenue-withdraw": Row(reads=FINANCE, writes=FINANCE, obj=_revenue),
    "api:spending-requests": Row(),
    "api:spending-request": Row(unsafe="patch", obj=_spending_request, private=True,
                                note="member is the applicant"),
    "api:spending-request-submit": Row(obj=_spending_request, private=True),
    "api:spending-request-withdraw": Row(obj=_spending_request, private=True),
    "api:payments": Row(reads=CASHIER, writes=CASHIER),
    # Pages (function views declare their methods; ids are placeholders).
    "approvals:tasks": Row(methods=("get",)),
    "approvals:task": Row(methods=("get", "post"), obj=_as("task_id", _task)),
    "approvals:approval": Row(methods=("get",), obj=_as("approval_id", _approval)),
    "approvals:print": Row(methods=("get",), obj=_as("approval_id", _approval)),
    "seals:list": Row(methods=("get",)),
    "seals:new": Row(methods=("get", "post")),
    "seals:detail": Row(methods=("get",), obj=_as("application_id", _seal_application)),
    "seals:submit": Row(methods=("post",), obj=_as("application_id", _seal_application),
                        private=True),
    "seals:withdraw": Row(methods=("post",), obj=_as("application_id", _seal_application),
                          private=True),
    "spending:list": Row(methods=("get",)),
    "spending:new": Row(methods=("get", "post")),
    "spending:detail": Row(methods=("get",), obj=_as("request_id", _spending_request)),
    "spending:edit": Row(methods=("get", "post"), obj=_as("request_id", _spending_request),
                         private=True),
    "spending:attach": Row(methods=("post",), obj=_as("request_id", _spending_request)),
    "spending:detach": Row(methods=("post",)),
    "spending:submit": Row(methods=("post",), obj=_as("request_id", _spending_request),
                           private=True),
    "spending:withdraw": Row(methods=("post",), obj=_as("request_id", _spending_request),
                             private=True),
    "spending:payments": Row(methods=("get",), note="any member: the payable requests they see"),
    "spending:pay": Row(methods=("post",), obj=_as("request_id", _spending_request),
                        note="the cashier: the service's 403/409 shows on the page; an empty "
                             "form is a 400 first"),
    "budget:execution": Row(methods=("get",)),
    "county:dashboard": Row(fixed=county_page(), note="county_admin and inspectors"),
    "county:township": Row(fixed=county_page(READ_MISSING), note="a placeholder slug: 404"),
    "county:alerts": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                         methods=("get", "post"), note="close / reopen by county_admin"),
    "county:alert": Row(county=True, reads=COUNTY_ADMIN, writes=COUNTY_ADMIN,
                        methods=("get", "post"), obj=_county_alert),
    "notifications:list": Row(methods=("get",)),
    "notifications:open": Row(methods=("post",), obj=_as("notification_id", _notification),
                              private=True),
    "notifications:read-all": Row(methods=("post",)),
    "alerts:list": Row(methods=("get",)),
    "alerts:detail": Row(methods=("get",), obj=_as("alert_id", _alert)),
    "alerts:acknowledge": Row(methods=("post",), note="a page's 403 for a member who is not "
                              "the responsible post reads as a gate refusal: a placeholder"),
    "alerts:rectify": Row(methods=("post",)),
}

ROUTES = {route.name: route for route in tenant_routes()}


def test_every_route_has_a_row_and_every_row_a_route():
    assert sorted(set(ROUTES) - set(ROWS)) == [], "add a row to ROWS for each new route"
    assert sorted(set(ROWS) - set(ROUTES)) == [], "a row names a route that no longer exists"


def _unsafe(route: Route, row: Row) -> str:
    own = [m for m in ("post", "patch", "put", "delete") if _handles(route, row, m)]
    return row.unsafe if row.unsafe in own or not own else own[0]


def _request(actors: Actors, route: Route, role: str, host: str, method: str, path: str):
    client = actors.client(role, host, api=route.is_api)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, {}, content_type="application/json")


@pytest.mark.parametrize("name", sorted(set(ROUTES) & set(ROWS)))
def test_route_answers_every_role_on_every_host_as_the_table_says(name):
    route, row = ROUTES[name], ROWS[name]
    actors = Actors()
    path = route_path(route, row.obj(actors) if row.obj else None)
    methods = ("get", _unsafe(route, row))
    mismatches = []

    # Reads first, then writes (a permitted write may change the object).
    for method in methods:
        for role in ROLES:
            for host in HOSTS:
                wanted = expect(row, route, role, host, method)
                response = _request(actors, route, role, host, method, path)
                if not wanted.check(response):
                    mismatches.append(
                        f"{role:18} {host:6} {method.upper():6} {path}: expected "
                        f"{wanted.status} {wanted.code or ''}, got {response.status_code} "
                        f"{_code(response) or ''}"
                    )

    assert mismatches == [], "\n" + "\n".join(mismatches)
