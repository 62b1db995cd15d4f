"""Exceptions to separation of duties: asked by the township, decided by its county,
time-bounded, visible as a standing alert, and flagged once expired."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.controls.models import Alert
from county_platform.errors import DomainError
from permissions.catalog.models import SodException
from permissions.exceptions import (
    sod_exception_decide,
    sod_exception_request,
    sod_exceptions_expire,
)
from permissions.models import PostAssignment
from permissions.services import post_assign, staff_add
from tenants.services import tenant_create
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

RULE = "sod_cashier_accountant"
TODAY = timezone.localdate()


def token_client(tenant, staff):
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": staff.user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return api_client(tenant, response.json()["token"])


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def events(tenant, prefix: str = "sod_exception.") -> list[str]:
    with schema_context(tenant.schema_name):
        return list(AuditEvent.objects.filter(action__startswith=prefix)
                    .order_by("seq").values_list("action", flat=True))


def alerts(tenant) -> list[tuple[str, str, bool]]:
    with schema_context(tenant.schema_name):
        return list(Alert.objects.order_by("id").values_list("rule", "status", "standing"))


@pytest.fixture
def cast(town_a, county):
    """A township admin, a cashier who should also keep the accounts, the county admin."""
    return {
        "admin": staff_make(town_a, posts=("tenant_admin",)),
        "person": staff_make(town_a, posts=("cashier",)),
        "county_admin": staff_make(county, posts=("county_admin",)),
    }


def request_for(cast, town, **overrides):
    fields = {
        "actor": cast["admin"].user, "tenant": town, "user": cast["person"].user,
        "rule_code": RULE, "reason": "本乡仅一名财会人员", "substitute_control": "每月县局专项检查",
        "valid_from": TODAY, "valid_to": TODAY + timedelta(days=90), **overrides,
    }
    return sod_exception_request(**fields)


def assign_accountant(town, cast, start=TODAY):
    with schema_context(town.schema_name):
        return post_assign(actor=cast["admin"].user, staff=cast["person"],
                           post_code="accountant", start_date=start)


def test_the_whole_flow_over_the_api(town_a, county, cast):
    township = token_client(town_a, cast["admin"])
    county_api = token_client(county, cast["county_admin"])
    assignment = {"staff": cast["person"].pk, "post": "accountant",
                  "start_date": TODAY.isoformat()}

    refused = township.post("/api/v1/post-assignments/", assignment, format="json")
    asked = township.post("/api/v1/sod-exceptions/", {
        "staff": cast["person"].pk, "rule": RULE, "reason": "本乡仅一名财会人员",
        "substitute_control": "每月县局专项检查", "valid_from": TODAY.isoformat(),
        "valid_to": (TODAY + timedelta(days=30)).isoformat()}, format="json")
    still_refused = township.post("/api/v1/post-assignments/", assignment, format="json")
    pending = county_api.get("/api/v1/county/sod-exceptions/?status=requested")
    approved = county_api.post(f"/api/v1/county/sod-exceptions/{asked.json()['id']}/approve/",
                               {"note": "同意，限期三十天"}, format="json")
    simulated = township.post("/api/v1/post-assignments/simulate/", assignment, format="json")
    allowed = township.post("/api/v1/post-assignments/", assignment, format="json")
    standing = township.get("/api/v1/alerts/?status=open").json()["results"]

    assert (refused.status_code, refused.json()["code"]) == (422, "sod_conflict")
    assert (asked.status_code, asked.json()["status"]) == (201, "requested")
    assert still_refused.status_code == 422
    assert [(e["id"], e["tenant"]) for e in pending.json()["results"]] == [
        (asked.json()["id"], "town-a")]
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert simulated.json() == {"allowed": True, "conflicts": []}
    assert allowed.status_code == 201, allowed.content
    assert [(a["rule"], a["severity"], a["standing"], a["object_id"]) for a in standing] == [
        ("sod_exception", "warn", True, str(asked.json()["id"]))]
    assert "出纳与会计" in standing[0]["message"]


def test_expiry_closes_the_standing_alert_and_flags_the_pair_still_held(town_a, cast):
    exception = request_for(cast, town_a, valid_to=TODAY + timedelta(days=10))
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)
    assign_accountant(town_a, cast)

    on_last_day = sod_exceptions_expire(today=TODAY + timedelta(days=10))
    alerts_while_live = alerts(town_a)
    sod_exceptions_expire(today=TODAY + timedelta(days=11))
    sod_exceptions_expire(today=TODAY + timedelta(days=12))

    assert on_last_day == 0
    assert alerts_while_live == [("sod_exception", "open", True)]
    assert alerts(town_a) == [("sod_exception", "closed", True),
                              ("sod_exception_expired", "open", True)]
    with schema_context(town_a.schema_name):
        assert PostAssignment.objects.filter(staff=cast["person"], end_date=None).count() == 2


def test_expiry_raises_nothing_when_the_pair_is_no_longer_held(town_a, cast):
    exception = request_for(cast, town_a, valid_to=TODAY + timedelta(days=10))
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)

    sod_exceptions_expire(today=TODAY + timedelta(days=11))

    assert alerts(town_a) == [("sod_exception", "closed", True)]


def test_a_rejected_exception_does_not_allow(town_a, cast):
    exception = request_for(cast, town_a)
    decided = sod_exception_decide(actor=cast["county_admin"].user, exception=exception,
                                   approve=False, note="请调整岗位")

    error = refusal(lambda: assign_accountant(town_a, cast))

    assert (decided.status, decided.decision_note) == ("rejected", "请调整岗位")
    assert error.code == "sod_conflict"
    assert alerts(town_a) == []


def test_an_approved_exception_not_yet_valid_does_not_allow_before_its_first_day(town_a, cast):
    first_day = TODAY + timedelta(days=5)
    exception = request_for(cast, town_a, valid_from=first_day)
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)

    early = refusal(lambda: assign_accountant(town_a, cast))
    from_first_day = assign_accountant(town_a, cast, start=first_day)

    assert early.code == "sod_conflict"
    assert from_first_day.start_date == first_day


def test_request_and_decision_are_in_the_tenant_chain_and_the_county_chain(town_a, county,
                                                                          cast):
    exception = request_for(cast, town_a)
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)

    expected = ["sod_exception.requested", "sod_exception.approved"]
    assert events(town_a) == expected
    assert events(county) == expected


def test_only_a_county_admin_of_the_right_county_decides(town_a, cast):
    other_county = tenant_create(actor=None, slug="cty-other", name="别的县", kind="county")
    outsider = staff_make(other_county, posts=("county_admin",))
    exception = request_for(cast, town_a)
    before = (events(town_a), alerts(town_a))

    foreign = refusal(lambda: sod_exception_decide(actor=outsider.user, exception=exception,
                                                   approve=True))
    township_admin = refusal(lambda: sod_exception_decide(actor=cast["admin"].user,
                                                          exception=exception, approve=True))

    assert (foreign.code, foreign.status) == ("permission_denied", 403)
    assert (township_admin.code, township_admin.status) == ("permission_denied", 403)
    assert SodException.objects.get(pk=exception.pk).status == "requested"
    assert (events(town_a), alerts(town_a)) == before


def test_a_foreign_county_admin_finds_no_such_exception_over_the_api(town_a, cast):
    other_county = tenant_create(actor=None, slug="cty-else", name="另一县", kind="county")
    outsider = staff_make(other_county, posts=("county_admin",))
    exception = request_for(cast, town_a)

    response = token_client(other_county, outsider).post(
        f"/api/v1/county/sod-exceptions/{exception.pk}/approve/", {}, format="json")
    listing = token_client(other_county, outsider).get("/api/v1/county/sod-exceptions/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert listing.json()["count"] == 0
    assert SodException.objects.get(pk=exception.pk).status == "requested"


def test_a_decided_exception_cannot_be_decided_again(town_a, cast):
    exception = request_for(cast, town_a)
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=False)

    error = refusal(lambda: sod_exception_decide(actor=cast["county_admin"].user,
                                                 exception=exception, approve=True))

    assert (error.code, error.status) == ("already_decided", 409)
    assert SodException.objects.get(pk=exception.pk).status == "rejected"


def test_nobody_decides_their_own_request(town_a, county, cast):
    both = staff_make(town_a, posts=("tenant_admin",))
    with schema_context(county.schema_name):
        county_staff = staff_add(actor=None, username=both.user.username)
        post_assign(actor=None, staff=county_staff, post_code="county_admin")
    exception = request_for(cast, town_a, actor=both.user)

    error = refusal(lambda: sod_exception_decide(actor=both.user, exception=exception,
                                                 approve=True))

    assert (error.code, error.status) == ("self_approval", 403)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"reason": "  "}, "invalid", id="no-reason"),
        pytest.param({"substitute_control": ""}, "invalid", id="no-substitute-control"),
        pytest.param({"valid_to": TODAY + timedelta(days=366)}, "invalid_period", id="too-long"),
        pytest.param({"valid_from": TODAY + timedelta(days=2), "valid_to": TODAY},
                     "invalid_period", id="ends-before-start"),
        pytest.param({"valid_from": TODAY - timedelta(days=9),
                      "valid_to": TODAY - timedelta(days=1)}, "invalid_period", id="past"),
        pytest.param({"rule_code": "sod_review_payment"}, "unknown_rule", id="document-rule"),
        pytest.param({"rule_code": "no_such_rule"}, "unknown_rule", id="unknown-rule"),
    ],
)
def test_a_malformed_request_is_400_and_creates_nothing(town_a, cast, overrides, code):
    before = SodException.objects.count()

    error = refusal(lambda: request_for(cast, town_a, **overrides))

    assert (error.code, error.status) == (code, 400)
    assert SodException.objects.count() == before
    assert events(town_a) == []


def test_a_year_is_the_longest_exception(town_a, cast):
    exception = request_for(cast, town_a, valid_to=TODAY + timedelta(days=365))

    assert exception.status == "requested"


def test_only_the_tenant_admin_requests_and_a_refusal_changes_nothing(town_a, cast):
    before = SodException.objects.count()

    error = refusal(lambda: request_for(cast, town_a, actor=cast["person"].user))

    assert (error.code, error.status) == ("permission_denied", 403)
    assert SodException.objects.count() == before
    assert events(town_a) == []


def test_an_exception_covers_only_its_person(town_a, cast):
    exception = request_for(cast, town_a)
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)
    other = staff_make(town_a, posts=("cashier",))

    with schema_context(town_a.schema_name):
        error = refusal(lambda: post_assign(actor=None, staff=other, post_code="accountant"))

    assert error.code == "sod_conflict"


def test_deciding_needs_the_county_admin_post_over_the_api(town_a, county, cast):
    exception = request_for(cast, town_a)
    plain = token_client(county, staff_make(county, posts=("tenant_admin",)))

    response = plain.post(f"/api/v1/county/sod-exceptions/{exception.pk}/approve/",
                          {"note": "x"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert SodException.objects.get(pk=exception.pk).status == "requested"
    assert events(county) == ["sod_exception.requested"]


def test_rejecting_over_the_api_raises_no_alert(town_a, county, cast):
    exception = request_for(cast, town_a)

    response = token_client(county, cast["county_admin"]).post(
        f"/api/v1/county/sod-exceptions/{exception.pk}/reject/", {"note": "请调整分工"},
        format="json")

    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    assert response.json()["decision_note"] == "请调整分工"
    assert alerts(town_a) == []
