"""The county's duty template: seeding it, publishing versions, applying them to tenants.

Applying keeps what a tenant tightened (its own incompatible pairs and matrix steps, a
shorter tenure, an extra key post) and restores every county minimum (county pairs and steps,
key flags, tenure limits): a tenant can never end up looser than its county.
"""

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from county_platform.celery import schema_headers
from permissions import defaults
from permissions.catalog.models import (
    CountyParameter,
    CountyPost,
    CountyRoleStep,
    CountySodRule,
    TemplateVersion,
)
from permissions.models import Origin, Post, RoleStep, SodRule, TemplateState
from tenants.models import Tenant, User


def county_of(tenant: Tenant) -> Tenant:
    return tenant if tenant.is_county else tenant.parent


@transaction.atomic
def catalog_ensure_defaults(*, county: Tenant) -> bool:
    """Give `county` the default template rows if it has none yet; True when seeded."""
    if CountyPost.objects.filter(county=county).exists():
        return False
    CountyPost.objects.bulk_create(
        CountyPost(county=county, code=p.code, name=p.name, is_key=p.is_key,
                   max_tenure_months=p.max_tenure_months, holds_money=p.holds_money)
        for p in defaults.POSTS
    )
    CountyRoleStep.objects.bulk_create(
        CountyRoleStep(county=county, activity=s.activity, step=s.step, step_name=s.step_name,
                       post_code=s.post, order=s.order)
        for s in defaults.MATRIX
    )
    CountySodRule.objects.bulk_create(
        CountySodRule(county=county, code=r.code, post_a=r.post_a, post_b=r.post_b,
                      scope=r.scope, article=r.article)
        for r in defaults.SOD
    )
    CountyParameter.objects.bulk_create(
        CountyParameter(county=county, code=code, name=name, value=value, minimum=lo, maximum=hi)
        for code, name, value, lo, hi in defaults.PARAMETERS
    )
    return True


def catalog_snapshot(*, county: Tenant) -> dict:
    """The county's current template rows as plain data (what a version records)."""
    fields = {
        "posts": (CountyPost, ["code", "name", "is_key", "max_tenure_months", "holds_money"]),
        "steps": (CountyRoleStep, ["activity", "step", "step_name", "post_code", "order"]),
        "sod": (CountySodRule, ["code", "post_a", "post_b", "scope", "article"]),
        "parameters": (CountyParameter, ["code", "name", "value", "minimum", "maximum"]),
    }
    return {
        key: list(model.objects.filter(county=county).order_by("id").values(*names))
        for key, (model, names) in fields.items()
    }


def version_latest(*, county: Tenant) -> TemplateVersion | None:
    return TemplateVersion.objects.filter(county=county).order_by("-number").first()


def _version_create(*, actor: User | None, county: Tenant, note: str) -> TemplateVersion:
    number = (TemplateVersion.objects.filter(county=county).aggregate(n=Max("number"))["n"]
              or 0) + 1
    version = TemplateVersion.objects.create(
        county=county, number=number, snapshot=catalog_snapshot(county=county), note=note,
        published_by=actor,
    )
    with schema_context(county.schema_name):
        audit_record(actor=actor, action="duty_template.published", obj=version,
                     after={"number": number, "note": note})
    return version


@transaction.atomic
def catalog_start(*, actor: User | None, county: Tenant) -> TemplateVersion:
    """A new county's catalog: the default rows and version 1 (nothing to push yet)."""
    catalog_ensure_defaults(county=county)
    return version_latest(county=county) or _version_create(
        actor=actor, county=county, note="默认模板"
    )


@transaction.atomic
def template_publish(*, actor: User | None, county: Tenant, note: str = "") -> TemplateVersion:
    """Record the county's current template as a new version and push it to every tenant
    of the county (after commit, one Celery task per tenant)."""
    version = _version_create(actor=actor, county=county, note=note)
    transaction.on_commit(lambda: _push(county=county, number=version.number))
    return version


def _push(*, county: Tenant, number: int) -> None:
    from permissions.catalog.tasks import template_apply_task

    for tenant in tenants_of(county=county).only("schema_name"):
        template_apply_task.apply_async((number,), headers=schema_headers(tenant.schema_name))


def tenants_of(*, county: Tenant):
    """The county itself and its active townships: everyone a county template applies to."""
    return Tenant.objects.filter(is_active=True).filter(Q(pk=county.pk) | Q(parent=county))


def template_apply(*, tenant: Tenant, version: TemplateVersion | None = None) -> int:
    """Bring the current tenant schema up to `version` (the latest by default); idempotent.

    Must run in `tenant`'s schema. Returns the version number now applied."""
    version = version or version_latest(county=county_of(tenant))
    if version is None:
        return 0
    with transaction.atomic():
        state = TemplateState.objects.select_for_update().get_or_create(pk=1)[0]
        if state.version >= version.number:
            return state.version
        posts = _apply_posts(version.snapshot["posts"])
        _apply_steps(version.snapshot["steps"], posts)
        _apply_sod(version.snapshot["sod"], posts)
        state.version = version.number
        state.applied_at = timezone.now()
        state.save(update_fields=["version", "applied_at"])
        audit_record(actor=None, action="duty_template.applied", obj=state,
                     after={"version": version.number, "county": county_of(tenant).slug})
    return version.number


def _apply_posts(rows: list[dict]) -> dict[str, Post]:
    posts = {post.code: post for post in Post.objects.all()}
    for row in rows:
        post = posts.get(row["code"]) or Post(code=row["code"])
        limit = row["max_tenure_months"]
        own = post.max_tenure_months if post.pk else None
        post.name = row["name"]
        post.is_key = row["is_key"] or (post.is_key if post.pk else False)
        post.holds_money = row["holds_money"]
        post.county_max_tenure_months = limit
        post.max_tenure_months = min(x for x in (own, limit) if x) if (own or limit) else None
        post.origin = Origin.COUNTY if post.origin != Origin.SYSTEM else post.origin
        post.save()
        posts[post.code] = post
    return posts


def _apply_steps(rows: list[dict], posts: dict[str, Post]) -> None:
    wanted = {(row["activity"], row["step"]) for row in rows}
    RoleStep.objects.filter(origin=Origin.COUNTY).exclude(
        pk__in=[s.pk for s in RoleStep.objects.filter(origin=Origin.COUNTY)
                if (s.activity, s.step) in wanted]
    ).delete()
    for row in rows:
        RoleStep.objects.update_or_create(
            activity=row["activity"], step=row["step"],
            defaults={"step_name": row["step_name"], "post": posts[row["post_code"]],
                      "order": row["order"], "origin": Origin.COUNTY},
        )


def _apply_sod(rows: list[dict], posts: dict[str, Post]) -> None:
    codes = {row["code"] for row in rows}
    SodRule.objects.filter(origin=Origin.COUNTY).exclude(code__in=codes).delete()
    for row in rows:
        SodRule.objects.update_or_create(
            code=row["code"],
            defaults={"post_a": posts[row["post_a"]], "post_b": posts[row["post_b"]],
                      "scope": row["scope"], "article": row["article"],
                      "origin": Origin.COUNTY},
        )
