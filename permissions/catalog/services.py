"""The county's duty template: seeding it, editing it, publishing versions, applying them.

Applying keeps what a tenant tightened (its own incompatible pairs and matrix steps, a
shorter tenure, an extra key post) and restores every county minimum (county pairs and steps,
key flags, tenure limits): a tenant can never end up looser than its county.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from county_platform.celery import schema_headers
from county_platform.errors import DomainError
from permissions import defaults
from permissions.catalog.models import (
    CountyParameter,
    CountyPost,
    CountyRoleStep,
    CountySodRule,
    SodScope,
    TemplateVersion,
)
from permissions.models import Origin, Post, RoleStep, SodRule, TemplateState
from permissions.tightening import sod_holders_flag
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


# --- editing the county's rows (API and admin call the same functions) -----------------------

POST_FIELDS = ("name", "is_key", "max_tenure_months", "holds_money")
STEP_FIELDS = ("activity", "step", "step_name", "post_code", "order")


def _audit_county(*, actor: User | None, county: Tenant, action: str, obj, **changes) -> None:
    with schema_context(county.schema_name):
        audit_record(actor=actor, action=action, obj=obj, **changes)


def _row(obj, names) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def county_post_validate(*, county: Tenant, code: str | None, is_key: bool,
                         max_tenure_months: int | None) -> None:
    """Refuse a duplicate code (when creating) and a key post without a tenure limit."""
    if code is not None and CountyPost.objects.filter(county=county, code=code).exists():
        raise DomainError("code_taken", f"岗位编码 {code} 已存在。", 409)
    if is_key and not max_tenure_months:
        raise DomainError("tenure_required", "关键岗位必须设定最长任期（月）。", 400)


@transaction.atomic
def county_post_create(*, actor: User | None, county: Tenant, code: str, name: str,
                       is_key: bool = False, max_tenure_months: int | None = None,
                       holds_money: bool = False) -> CountyPost:
    county_post_validate(county=county, code=code, is_key=is_key,
                         max_tenure_months=max_tenure_months)
    post = CountyPost.objects.create(
        county=county, code=code, name=name, is_key=is_key,
        max_tenure_months=max_tenure_months, holds_money=holds_money,
    )
    _audit_county(actor=actor, county=county, action="duty_template.post_created", obj=post,
                  after=_row(post, ("code", *POST_FIELDS)))
    return post


@transaction.atomic
def county_post_update(*, actor: User | None, post: CountyPost, **changes: Any) -> CountyPost:
    """Change a county post's name, key flag, tenure limit or money flag (not its code)."""
    unknown = set(changes) - set(POST_FIELDS)
    if unknown:
        raise TypeError(f"not changeable: {sorted(unknown)}")
    if not changes:
        return post
    before = _row(post, POST_FIELDS)
    after = {**before, **changes}
    county_post_validate(county=post.county, code=None, is_key=after["is_key"],
                         max_tenure_months=after["max_tenure_months"])
    for name, value in changes.items():
        setattr(post, name, value)
    post.save(update_fields=list(changes))
    _audit_county(actor=actor, county=post.county, action="duty_template.post_changed",
                  obj=post, before=before, after=after)
    return post


def _require_posts(*, county: Tenant, codes: list[str]) -> None:
    known = set(CountyPost.objects.filter(county=county, code__in=codes)
                .values_list("code", flat=True))
    for code in codes:
        if code not in known:
            raise DomainError("unknown_post", f"县级模板中没有岗位 {code}。", 400, post=code)


def county_step_validate(*, county: Tenant, activity: str, step: str, post_code: str,
                         exclude_pk: int | None = None) -> None:
    _require_posts(county=county, codes=[post_code])
    taken = CountyRoleStep.objects.filter(county=county, activity=activity, step=step)
    if taken.exclude(pk=exclude_pk).exists():
        raise DomainError("code_taken", f"经济活动 {activity} 已有环节 {step}。", 409)


@transaction.atomic
def county_step_create(*, actor: User | None, county: Tenant, activity: str, step: str,
                       step_name: str, post_code: str, order: int = 0) -> CountyRoleStep:
    county_step_validate(county=county, activity=activity, step=step, post_code=post_code)
    row = CountyRoleStep.objects.create(
        county=county, activity=activity, step=step, step_name=step_name,
        post_code=post_code, order=order,
    )
    _audit_county(actor=actor, county=county, action="duty_template.step_created", obj=row,
                  after=_row(row, STEP_FIELDS))
    return row


@transaction.atomic
def county_step_update(*, actor: User | None, row: CountyRoleStep,
                       **changes: Any) -> CountyRoleStep:
    unknown = set(changes) - set(STEP_FIELDS)
    if unknown:
        raise TypeError(f"not changeable: {sorted(unknown)}")
    if not changes:
        return row
    before = _row(row, STEP_FIELDS)
    after = {**before, **changes}
    county_step_validate(county=row.county, activity=after["activity"], step=after["step"],
                         post_code=after["post_code"], exclude_pk=row.pk)
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(update_fields=list(changes))
    _audit_county(actor=actor, county=row.county, action="duty_template.step_changed",
                  obj=row, before=before, after=after)
    return row


@transaction.atomic
def county_step_delete(*, actor: User | None, row: CountyRoleStep) -> None:
    before = _row(row, STEP_FIELDS)
    pk = row.pk
    row.delete()
    _audit_county(actor=actor, county=row.county, action="duty_template.step_deleted",
                  obj=None, object_type="catalog.countyrolestep", object_id=pk, before=before)


def county_sod_validate(*, county: Tenant, code: str, post_a: str, post_b: str,
                        scope: str) -> None:
    if post_a == post_b:
        raise DomainError("same_post", "不相容岗位必须是两个不同的岗位。", 400)
    if scope not in SodScope.values:
        raise DomainError("invalid_scope", f"未知的范围：{scope}", 400)
    _require_posts(county=county, codes=[post_a, post_b])
    rules = CountySodRule.objects.filter(county=county)
    if rules.filter(code=code).exists():
        raise DomainError("code_taken", f"规则编码 {code} 已存在。", 409)
    pair = Q(post_a=post_a, post_b=post_b) | Q(post_a=post_b, post_b=post_a)
    same = rules.filter(pair, scope=scope).first()
    if same is not None:
        raise DomainError("pair_exists", f"这两个岗位已由规则 {same.code} 规定不相容。", 409,
                          rule=same.code)


@transaction.atomic
def county_sod_create(*, actor: User | None, county: Tenant, code: str, post_a: str,
                      post_b: str, scope: str, article: str) -> CountySodRule:
    county_sod_validate(county=county, code=code, post_a=post_a, post_b=post_b, scope=scope)
    rule = CountySodRule.objects.create(
        county=county, code=code, post_a=post_a, post_b=post_b, scope=scope, article=article
    )
    _audit_county(actor=actor, county=county, action="duty_template.sod_created", obj=rule,
                  after=_row(rule, ("code", "post_a", "post_b", "scope", "article")))
    return rule


@transaction.atomic
def county_sod_delete(*, actor: User | None, rule: CountySodRule) -> None:
    before = _row(rule, ("code", "post_a", "post_b", "scope", "article"))
    pk = rule.pk
    rule.delete()
    _audit_county(actor=actor, county=rule.county, action="duty_template.sod_deleted",
                  obj=None, object_type="catalog.countysodrule", object_id=pk, before=before)


def county_parameter_validate(*, parameter: CountyParameter, value: int) -> None:
    if not parameter.minimum <= value <= parameter.maximum:
        raise DomainError(
            "out_of_bounds",
            f"{parameter.name}的取值必须在 {parameter.minimum} 到 {parameter.maximum} 之间。",
            422, minimum=parameter.minimum, maximum=parameter.maximum,
        )


@transaction.atomic
def county_parameter_set(*, actor: User | None, parameter: CountyParameter,
                         value: int) -> CountyParameter:
    county_parameter_validate(parameter=parameter, value=value)
    before = parameter.value
    parameter.value = value
    parameter.save(update_fields=["value"])
    _audit_county(actor=actor, county=parameter.county, action="duty_template.parameter_set",
                  obj=parameter, before={"value": before}, after={"value": value})
    return parameter


# --- versions and push ------------------------------------------------------------------------

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
    _audit_county(actor=actor, county=county, action="duty_template.published", obj=version,
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
    # One publisher at a time per county: the version number is read, then written.
    Tenant.objects.select_for_update().filter(pk=county.pk).first()
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
    county = county_of(tenant)
    version = version or version_latest(county=county)
    if version is None:
        return 0
    with transaction.atomic():
        state = TemplateState.objects.select_for_update().get_or_create(pk=1)[0]
        if state.version >= version.number:
            return state.version
        if state.version == 0 and _schema_is_blank(version.snapshot):
            _fill_blank(version.snapshot)
        else:
            previous = _snapshot_of(county=county, number=state.version)
            posts = _apply_posts(version.snapshot["posts"], previous)
            _apply_steps(version.snapshot["steps"], posts)
            _apply_sod(version.snapshot["sod"], posts)
        state.version = version.number
        state.applied_at = timezone.now()
        state.save(update_fields=["version", "applied_at"])
        audit_record(actor=None, action="duty_template.applied", obj=state,
                     after={"version": version.number, "county": county.slug})
    return version.number


def _snapshot_of(*, county: Tenant, number: int) -> dict:
    row = TemplateVersion.objects.filter(county=county, number=number).only("snapshot").first()
    return row.snapshot if row else {}


def _schema_is_blank(snapshot: dict) -> bool:
    """A brand-new schema: no matrix, no pairs, none of the template's posts."""
    codes = [row["code"] for row in snapshot["posts"]]
    return not (RoleStep.objects.exists() or SodRule.objects.exists()
                or Post.objects.filter(code__in=codes).exists())


def _fill_blank(snapshot: dict) -> None:
    """The first copy into a new schema: three INSERTs instead of a query per row, so that
    provisioning a township stays fast."""
    created = Post.objects.bulk_create(
        Post(code=row["code"], name=row["name"], is_key=row["is_key"],
             holds_money=row["holds_money"], max_tenure_months=row["max_tenure_months"],
             county_max_tenure_months=row["max_tenure_months"], origin=Origin.COUNTY)
        for row in snapshot["posts"]
    )
    ids = {post.code: post.pk for post in created}
    RoleStep.objects.bulk_create(
        RoleStep(activity=row["activity"], step=row["step"], step_name=row["step_name"],
                 post_id=ids[row["post_code"]], order=row["order"], origin=Origin.COUNTY)
        for row in snapshot["steps"]
    )
    SodRule.objects.bulk_create(
        SodRule(code=row["code"], post_a_id=ids[row["post_a"]], post_b_id=ids[row["post_b"]],
                scope=row["scope"], article=row["article"], origin=Origin.COUNTY)
        for row in snapshot["sod"]
    )


def _tenure(post: Post, limit: int | None) -> int | None:
    """The tenant's own shorter tenure survives; anything longer than `limit` is cut to it.

    A value equal to the previous county limit is the county's, not a tightening, so it
    follows the county (also when the county lengthens its limit)."""
    own = post.max_tenure_months if post.pk else None
    tightened = own is not None and (
        post.county_max_tenure_months is None or own < post.county_max_tenure_months
    )
    if not tightened:
        return limit
    return min(own, limit) if limit else own


def _apply_posts(rows: list[dict], previous: dict) -> dict[str, Post]:
    was_key = {row["code"] for row in previous.get("posts", []) if row["is_key"]}
    posts = {post.code: post for post in Post.objects.all()}
    for row in rows:
        post = posts.get(row["code"]) or Post(code=row["code"])
        # A key flag the county did not set is the tenant's own: it stays.
        own_key = bool(post.pk) and post.is_key and row["code"] not in was_key
        post.max_tenure_months = _tenure(post, row["max_tenure_months"])
        post.county_max_tenure_months = row["max_tenure_months"]
        post.name = row["name"]
        post.is_key = row["is_key"] or own_key
        post.holds_money = row["holds_money"]
        post.origin = Origin.COUNTY if post.origin != Origin.SYSTEM else post.origin
        post.save()
        posts[post.code] = post
    return posts


def _apply_steps(rows: list[dict], posts: dict[str, Post]) -> None:
    wanted = {(row["activity"], row["step"]) for row in rows}
    dropped = [s.pk for s in RoleStep.objects.filter(origin=Origin.COUNTY)
               if (s.activity, s.step) not in wanted]
    RoleStep.objects.filter(pk__in=dropped).delete()
    for row in rows:
        RoleStep.objects.update_or_create(
            activity=row["activity"], step=row["step"],
            defaults={"step_name": row["step_name"], "post": posts[row["post_code"]],
                      "order": row["order"], "origin": Origin.COUNTY},
        )


def _apply_sod(rows: list[dict], posts: dict[str, Post]) -> None:
    codes = {row["code"] for row in rows}
    SodRule.objects.filter(origin=Origin.COUNTY).exclude(code__in=codes).delete()
    before = {r.code: _pair(r) for r in SodRule.objects.filter(scope=SodScope.POST)}
    for row in rows:
        rule, _ = SodRule.objects.update_or_create(
            code=row["code"],
            defaults={"post_a": posts[row["post_a"]], "post_b": posts[row["post_b"]],
                      "scope": row["scope"], "article": row["article"],
                      "origin": Origin.COUNTY},
        )
        # A pair the tenant did not have (or had only per document) binds people who already
        # hold both posts: the same standing alert as a tenant's own new pair.
        if rule.scope == SodScope.POST and before.get(rule.code) != _pair(rule):
            sod_holders_flag(rule)


def _pair(rule: SodRule) -> frozenset[int]:
    return frozenset((rule.post_a_id, rule.post_b_id))
