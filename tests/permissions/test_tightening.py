"""A tenant tightens its copy of the duty template and can never loosen a county minimum."""

import pytest
from django.http import Http404

from apps.audit.models import AuditEvent
from county_platform.errors import DomainError
from permissions import tightening
from permissions.models import Origin, Post, RoleStep, SodRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_town_a(town_a, in_tenant):
    with in_tenant(town_a):
        yield town_a


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def refused(error: str, status: int, call, /, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert (caught.value.code, caught.value.status) == (error, status)
    return caught.value


def test_a_tenant_pair_gets_its_code_and_is_audited(in_town_a):
    rule = tightening.sod_rule_add(actor=None, post_a="handler", post_b="contract_officer",
                                   scope="document", article="本镇合同管理办法第五条")

    assert (rule.code, rule.origin, rule.scope) == (
        "tenant_handler_contract_officer", Origin.TENANT, "document")
    assert rule.article == "本镇合同管理办法第五条"
    event = last_event()
    assert (event.action, event.object_id) == ("sod_rule.added", str(rule.pk))
    assert event.after["post_b"] == "contract_officer"


def test_a_tenant_pair_without_an_article_names_the_tenant_rules(in_town_a):
    rule = tightening.sod_rule_add(actor=None, post_a="leader", post_b="ic_lead")

    assert (rule.scope, rule.article) == ("post", tightening.TENANT_ARTICLE)


@pytest.mark.parametrize(("post_a", "post_b", "code", "status"), [
    ("handler", "handler", "same_post", 400),
    ("handler", "no_such_post", "unknown_post", 400),
    ("no_such_post", "handler", "unknown_post", 400),
    ("cashier", "accountant", "pair_exists", 409),  # the county's post pair
    ("accountant", "cashier", "pair_exists", 409),  # in the other order
])
def test_a_bad_pair_is_refused_and_nothing_is_written(in_town_a, post_a, post_b, code, status):
    rules, events = SodRule.objects.count(), AuditEvent.objects.count()

    refused(code, status, tightening.sod_rule_add, actor=None, post_a=post_a, post_b=post_b)

    assert (SodRule.objects.count(), AuditEvent.objects.count()) == (rules, events)


def test_a_document_pair_may_be_tightened_to_a_post_pair(in_town_a):
    # The county keeps handler and dept_head apart on one document only.
    rule = tightening.sod_rule_add(actor=None, post_a="dept_head", post_b="handler",
                                   scope="post")

    assert rule.code == "tenant_dept_head_handler"
    refused("pair_exists", 409, tightening.sod_rule_add, actor=None,
            post_a="handler", post_b="dept_head", scope="document")


def test_a_long_pair_code_is_shortened_to_fit(in_town_a):
    Post.objects.create(code="a" * 32, name="长编码岗位甲")
    Post.objects.create(code="b" * 32, name="长编码岗位乙")

    rule = tightening.sod_rule_add(actor=None, post_a="a" * 32, post_b="b" * 32)

    assert rule.code.startswith("tenant_")
    assert len(rule.code) <= 48


def test_a_tenant_removes_its_own_pair(in_town_a):
    tightening.sod_rule_add(actor=None, post_a="handler", post_b="seal_keeper")

    tightening.sod_rule_remove(actor=None, code="tenant_handler_seal_keeper")

    assert not SodRule.objects.filter(code="tenant_handler_seal_keeper").exists()
    event = last_event()
    assert (event.action, event.before["post_b"]) == ("sod_rule.removed", "seal_keeper")


def test_a_county_pair_cannot_be_removed(in_town_a):
    events = AuditEvent.objects.count()

    refused("county_minimum", 403, tightening.sod_rule_remove, actor=None,
            code="sod_cashier_accountant")

    assert SodRule.objects.filter(code="sod_cashier_accountant", origin=Origin.COUNTY).exists()
    assert AuditEvent.objects.count() == events


def test_removing_an_unknown_pair_is_not_found(in_town_a):
    with pytest.raises(Http404):
        tightening.sod_rule_remove(actor=None, code="tenant_nothing_here")


def test_a_tenant_adds_a_matrix_step(in_town_a):
    row = tightening.role_step_add(actor=None, activity="expenditure", step="ic_review",
                                   step_name="内控复核", post_code="ic_lead", order=65)

    assert (row.origin, row.post.code, row.order) == (Origin.TENANT, "ic_lead", 65)
    assert last_event().action == "role_step.added"


def test_a_county_step_cannot_be_replaced(in_town_a):
    steps = RoleStep.objects.count()

    refused("county_minimum", 403, tightening.role_step_add, actor=None,
            activity="expenditure", step="payment", step_name="付款", post_code="handler")

    assert RoleStep.objects.get(activity="expenditure", step="payment").post.code == "cashier"
    assert RoleStep.objects.count() == steps


def test_a_tenant_step_twice_is_a_conflict_and_an_unknown_post_is_refused(in_town_a):
    tightening.role_step_add(actor=None, activity="seal", step="register", step_name="用印登记",
                             post_code="seal_keeper")

    refused("code_taken", 409, tightening.role_step_add, actor=None, activity="seal",
            step="register", step_name="用印登记", post_code="seal_keeper")
    refused("unknown_post", 400, tightening.role_step_add, actor=None, activity="seal",
            step="check", step_name="核对", post_code="nobody")


def test_a_tenure_may_be_shortened_and_is_audited(in_town_a):
    post = tightening.post_tighten(actor=None, post=tightening.post_get(code="cashier"),
                                   max_tenure_months=36)

    assert Post.objects.get(code="cashier").max_tenure_months == post.max_tenure_months == 36
    event = last_event()
    assert (event.action, event.before, event.after) == (
        "post.tightened", {"max_tenure_months": 60}, {"max_tenure_months": 36})


@pytest.mark.parametrize("months", [61, None])
def test_a_tenure_beyond_the_county_limit_is_refused(in_town_a, months):
    cashier = tightening.post_get(code="cashier")

    refused("county_minimum", 422, tightening.post_tighten, actor=None, post=cashier,
            max_tenure_months=months)

    assert Post.objects.get(code="cashier").max_tenure_months == 60


def test_a_post_without_a_county_limit_takes_any_tenure(in_town_a):
    seal = tightening.post_get(code="seal_keeper")

    tightening.post_tighten(actor=None, post=seal, max_tenure_months=120, is_key=True)
    tightening.post_tighten(actor=None, post=seal, is_key=False)

    assert Post.objects.filter(code="seal_keeper").values_list(
        "max_tenure_months", "is_key").get() == (120, False)


def test_a_county_key_post_cannot_be_unmarked(in_town_a):
    events = AuditEvent.objects.count()

    refused("county_minimum", 422, tightening.post_tighten, actor=None,
            post=tightening.post_get(code="accountant"), is_key=False)

    assert Post.objects.get(code="accountant").is_key is True
    assert AuditEvent.objects.count() == events


def test_an_unchanged_post_writes_no_event(in_town_a):
    events = AuditEvent.objects.count()

    tightening.post_tighten(actor=None, post=tightening.post_get(code="cashier"),
                            max_tenure_months=60, is_key=True)

    assert AuditEvent.objects.count() == events


def test_a_new_pair_flags_whoever_already_holds_both_posts(town_a):
    from django_tenants.utils import schema_context

    from apps.controls.models import Alert
    from tests.factories import staff_make

    both = staff_make(town_a, posts=("handler", "contract_officer"))
    staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        tightening.sod_rule_add(actor=None, post_a="handler", post_b="contract_officer")
        alerts = list(Alert.objects.filter(rule="sod_existing_conflict")
                      .values_list("object_id", "standing"))

    assert alerts == [(str(both.pk), True)]
