"""Publishing and applying the county's duty template: tightenings kept, minimums restored."""

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.controls.models import Alert, AlertStatus
from county_platform.celery import SCHEMA_HEADER
from permissions import tightening
from permissions.catalog import services
from permissions.catalog.models import CountyPost, CountySodRule, TemplateVersion
from permissions.catalog.tasks import template_apply_task
from permissions.models import Origin, Post, RoleStep, SodRule, TemplateState
from tenants.models import Tenant
from tenants.services import tenant_create
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


def publish(county: Tenant, note: str = "测试版本") -> TemplateVersion:
    """A new version; its push (an on-commit callback) never runs inside a test transaction."""
    return services.template_publish(actor=None, county=county, note=note)


def apply_in(tenant: Tenant, version: TemplateVersion) -> int:
    with schema_context(tenant.schema_name):
        return services.template_apply(tenant=tenant, version=version)


def county_post(county: Tenant, code: str) -> CountyPost:
    return CountyPost.objects.get(county=county, code=code)


def rows() -> dict:
    """Everything template_apply writes in the current schema, without ids."""
    return {
        "posts": sorted(Post.objects.values_list(
            "code", "name", "is_key", "max_tenure_months", "county_max_tenure_months",
            "holds_money", "origin")),
        "steps": sorted(RoleStep.objects.values_list(
            "activity", "step", "step_name", "post__code", "order", "origin")),
        "sod": sorted(SodRule.objects.values_list(
            "code", "post_a__code", "post_b__code", "scope", "article", "origin")),
    }


def test_a_new_version_keeps_every_tenant_tightening(county, town_a, in_tenant):
    with in_tenant(town_a):
        tightening.sod_rule_add(actor=None, post_a="handler", post_b="contract_officer")
        cashier = tightening.post_get(code="cashier")
        tightening.post_tighten(actor=None, post=cashier, max_tenure_months=36)
        seal = tightening.post_get(code="seal_keeper")
        tightening.post_tighten(actor=None, post=seal, is_key=True)
        tightening.role_step_add(actor=None, activity="expenditure", step="ic_review",
                                 step_name="内控复核", post_code="ic_lead", order=65)
    version = publish(county)

    assert apply_in(town_a, version) == version.number

    with in_tenant(town_a):
        extra = SodRule.objects.get(code="tenant_handler_contract_officer")
        assert (extra.origin, extra.post_a.code, extra.post_b.code) == (
            Origin.TENANT, "handler", "contract_officer")
        assert Post.objects.get(code="cashier").max_tenure_months == 36
        assert Post.objects.get(code="seal_keeper").is_key is True
        step = RoleStep.objects.get(activity="expenditure", step="ic_review")
        assert (step.origin, step.post.code) == (Origin.TENANT, "ic_lead")
        assert TemplateState.objects.get().version == version.number


def _pushed_pair(county: Tenant, scope: str = "post") -> TemplateVersion:
    services.county_sod_create(actor=None, county=county, code="sod_handler_contract",
                               post_a="handler", post_b="contract_officer", scope=scope,
                               article="县“6+N”管理办法：合同起草与经办相互分离")
    return publish(county)


def conflict_alerts() -> list[tuple]:
    return list(Alert.objects.filter(rule="sod_existing_conflict").order_by("id")
                .values_list("object_id", "standing", "status", "dedupe_key"))


def test_a_pushed_new_pair_flags_everyone_already_holding_both_posts(county, town_a, in_tenant):
    """The same standing alert as a pair the township adds itself (tightening)."""
    both = staff_make(town_a, posts=("handler", "contract_officer"))
    staff_make(town_a, posts=("handler",))
    version = _pushed_pair(county)

    apply_in(town_a, version)
    apply_in(town_a, publish(county, "再次发布"))  # the pair is no longer new: no second alert

    with in_tenant(town_a):
        assert conflict_alerts() == [
            (str(both.pk), True, AlertStatus.OPEN,
             f"sod_existing_conflict:sod_handler_contract:{both.pk}")]
        # Nobody's assignment was ended by the push.
        assert set(both.assignments.filter(end_date=None).values_list("post__code", flat=True)) \
            == {"handler", "contract_officer"}


def test_a_pushed_per_document_pair_flags_no_one(county, town_a, in_tenant):
    staff_make(town_a, posts=("handler", "contract_officer"))

    apply_in(town_a, _pushed_pair(county, scope="document"))

    with in_tenant(town_a):
        assert conflict_alerts() == []


def test_a_new_version_restores_the_county_minimums_a_tenant_lost(county, town_a, in_tenant):
    with in_tenant(town_a):
        # "Somehow": written past the services, as a restored backup or a manual fix might.
        SodRule.objects.filter(code="sod_cashier_accountant").delete()
        RoleStep.objects.filter(activity="expenditure", step="payment").delete()
        Post.objects.filter(code="cashier").update(is_key=False, max_tenure_months=120)
        Post.objects.filter(code="accountant").update(max_tenure_months=None)
    version = publish(county)

    apply_in(town_a, version)

    with in_tenant(town_a):
        rule = SodRule.objects.get(code="sod_cashier_accountant")
        assert (rule.origin, rule.post_a.code, rule.post_b.code) == (
            Origin.COUNTY, "cashier", "accountant")
        step = RoleStep.objects.get(activity="expenditure", step="payment")
        assert (step.origin, step.post.code) == (Origin.COUNTY, "cashier")
        cashier = Post.objects.get(code="cashier")
        assert (cashier.is_key, cashier.max_tenure_months) == (True, 60)
        assert Post.objects.get(code="accountant").max_tenure_months == 60


def test_county_changes_reach_the_tenant_without_loosening_it(county, town_a, in_tenant):
    with in_tenant(town_a):
        tightening.post_tighten(actor=None, post=tightening.post_get(code="cashier"),
                                max_tenure_months=36)
        tightening.post_tighten(actor=None, post=tightening.post_get(code="seal_keeper"),
                                is_key=True)
    services.county_post_update(actor=None, post=county_post(county, "accountant"),
                                max_tenure_months=72)
    services.county_post_update(actor=None, post=county_post(county, "cashier"),
                                max_tenure_months=24)
    services.county_post_update(actor=None, post=county_post(county, "asset_keeper"),
                                is_key=False, max_tenure_months=None)
    services.county_post_create(actor=None, county=county, code="archivist", name="档案管理员",
                                is_key=True, max_tenure_months=48)
    services.county_sod_create(actor=None, county=county, code="sod_archivist_accountant",
                               post_a="archivist", post_b="accountant", scope="post",
                               article="会计档案管理办法")
    services.county_sod_delete(actor=None, rule=CountySodRule.objects.get(
        county=county, code="sod_seal_keep_approve"))
    version = publish(county)

    apply_in(town_a, version)

    with in_tenant(town_a):
        tenure = dict(Post.objects.values_list("code", "max_tenure_months"))
        key = dict(Post.objects.values_list("code", "is_key"))
        assert tenure["accountant"] == 72  # the county's own value follows the county
        assert tenure["cashier"] == 24  # the tenant's 36 is cut to the county's new 24
        assert (key["asset_keeper"], tenure["asset_keeper"]) == (False, None)
        assert key["seal_keeper"] is True  # the tenant's own key post stays key
        assert (key["archivist"], tenure["archivist"]) == (True, 48)
        assert SodRule.objects.filter(code="sod_archivist_accountant",
                                      origin=Origin.COUNTY).exists()
        assert not SodRule.objects.filter(code="sod_seal_keep_approve").exists()


def test_a_tenant_shorter_tenure_survives_a_county_lengthening(county, town_a, in_tenant):
    with in_tenant(town_a):
        tightening.post_tighten(actor=None, post=tightening.post_get(code="cashier"),
                                max_tenure_months=36)
    services.county_post_update(actor=None, post=county_post(county, "cashier"),
                                max_tenure_months=96)

    apply_in(town_a, publish(county))

    with in_tenant(town_a):
        cashier = Post.objects.get(code="cashier")
        assert (cashier.max_tenure_months, cashier.county_max_tenure_months) == (36, 96)


def test_applying_the_same_version_twice_changes_nothing(county, town_a, in_tenant):
    version = publish(county)
    apply_in(town_a, version)
    with in_tenant(town_a):
        before, events = rows(), AuditEvent.objects.count()

    assert apply_in(town_a, version) == version.number

    with in_tenant(town_a):
        assert rows() == before
        assert AuditEvent.objects.count() == events


def test_an_older_version_does_not_roll_a_tenant_back(county, town_a, in_tenant):
    old = services.version_latest(county=county)
    services.county_post_update(actor=None, post=county_post(county, "cashier"), name="出纳员")
    new = publish(county)
    apply_in(town_a, new)

    assert apply_in(town_a, old) == new.number

    with in_tenant(town_a):
        assert Post.objects.get(code="cashier").name == "出纳员"


def test_applying_is_audited_in_the_tenant_chain(county, town_b, in_tenant):
    version = publish(county)

    apply_in(town_b, version)

    with in_tenant(town_b):
        event = AuditEvent.objects.order_by("-seq").first()
        assert event.action == "duty_template.applied"
        assert event.after == {"version": version.number, "county": county.slug}


def test_a_new_tenant_gets_the_latest_version(county):
    services.county_post_update(actor=None, post=county_post(county, "cashier"), name="出纳员")
    version = publish(county)

    town = tenant_create(actor=None, slug="tpl-new-town", name="新模板镇", kind="town",
                         parent=county)

    with schema_context(town.schema_name):
        assert TemplateState.objects.get().version == version.number
        assert Post.objects.get(code="cashier").name == "出纳员"
        assert RoleStep.objects.filter(origin=Origin.COUNTY).count() == len(
            version.snapshot["steps"])
        assert SodRule.objects.filter(origin=Origin.COUNTY).count() == len(
            version.snapshot["sod"])


def test_the_bulk_copy_into_a_new_schema_equals_the_row_by_row_apply(county, town_a, in_tenant):
    services.county_post_update(actor=None, post=county_post(county, "cashier"),
                                max_tenure_months=36)
    version = publish(county)
    apply_in(town_a, version)  # an existing schema: the row-by-row path
    town = tenant_create(actor=None, slug="tpl-bulk-town", name="批量镇", kind="town",
                         parent=county)

    with schema_context(town.schema_name):
        fresh = rows()
    with in_tenant(town_a):
        assert rows() == fresh


def test_the_task_applies_the_version_in_the_schema_it_runs_in(county, town_b, in_tenant):
    version = publish(county)

    with in_tenant(town_b):
        assert template_apply_task(version.number) == version.number
        assert TemplateState.objects.get().version == version.number


def test_publish_sends_one_task_per_active_tenant_only_after_commit(
    county, town_a, town_b, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(template_apply_task, "apply_async",
                        lambda args, headers: sent.append((args, headers[SCHEMA_HEADER])))
    Tenant.objects.filter(pk=town_b.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = publish(county)
    assert sent == []
    for callback in callbacks:
        callback()

    schemas = [schema for _, schema in sent]
    assert sorted(schemas) == sorted(
        services.tenants_of(county=county).values_list("schema_name", flat=True))
    assert {county.schema_name, town_a.schema_name} <= set(schemas)
    assert town_b.schema_name not in schemas
    assert len(schemas) == len(set(schemas))
    assert {args for args, _ in sent} == {(version.number,)}


def test_publish_then_the_pushed_tasks_bring_every_tenant_to_the_version(
    county, town_a, town_b, monkeypatch, django_capture_on_commit_callbacks
):
    def run_in_schema(args, headers):
        with schema_context(headers[SCHEMA_HEADER]):
            template_apply_task(*args)

    monkeypatch.setattr(template_apply_task, "apply_async", run_in_schema)

    with django_capture_on_commit_callbacks(execute=True):
        version = publish(county)

    for tenant in (county, town_a, town_b):
        with schema_context(tenant.schema_name):
            assert TemplateState.objects.get().version == version.number


def test_publish_numbers_versions_and_audits_in_the_county_chain(county, in_tenant):
    before = services.version_latest(county=county).number

    version = services.template_publish(actor=None, county=county, note="调整出纳任期")

    assert version.number == before + 1
    assert version.snapshot == services.catalog_snapshot(county=county)
    with in_tenant(county):
        event = AuditEvent.objects.order_by("-seq").first()
        assert (event.action, event.after) == (
            "duty_template.published", {"number": version.number, "note": "调整出纳任期"})


def test_the_first_copy_into_a_blank_schema_is_a_few_queries(
    county, town_a, in_tenant, django_assert_max_num_queries
):
    """Provisioning cost: bulk INSERTs, not a query per post, step and pair (~280)."""
    version = services.version_latest(county=county)
    with in_tenant(town_a):
        RoleStep.objects.all().delete()
        SodRule.objects.all().delete()
        Post.objects.filter(origin=Origin.COUNTY).delete()
        TemplateState.objects.update(version=0)

        with django_assert_max_num_queries(16):
            services.template_apply(tenant=town_a, version=version)

        assert Post.objects.filter(origin=Origin.COUNTY).count() == len(version.snapshot["posts"])
        assert RoleStep.objects.count() == len(version.snapshot["steps"])
        assert SodRule.objects.count() == len(version.snapshot["sod"])
