"""What a tenant may do to its copy of the county's duty template: tighten it, never loosen it.

A tenant adds its own incompatible pairs and matrix steps, shortens a tenure, marks a post
key; the county's pairs, steps, key flags and tenure limits are minimums it cannot remove
(the next template push would restore them anyway). Every change is audited.
"""

import hashlib
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404

from apps.audit.services import audit_record
from apps.controls.services import alert_raise
from county_platform.errors import DomainError
from permissions.catalog.models import SodScope, TemplateVersion
from permissions.models import Origin, Post, RoleStep, SodRule, TemplateState
from permissions.selectors import assignments_current
from tenants.models import Tenant, User

TENANT_ARTICLE = "本单位内部控制制度"
UNSET: Any = object()


def _county_minimum(detail: str, status: int = 403) -> DomainError:
    return DomainError("county_minimum", detail, status)


def _post(code: str) -> Post:
    post = Post.objects.filter(code=code).first()
    if post is None:
        raise DomainError("unknown_post", f"没有岗位 {code}。", 400, post=code)
    return post


# --- reads ------------------------------------------------------------------------------------

def sod_rules_list():
    return SodRule.objects.select_related("post_a", "post_b").order_by("id")


def role_steps_list():
    return RoleStep.objects.select_related("post").order_by("activity", "order", "id")


def post_get(*, code: str) -> Post:
    post = Post.objects.filter(code=code).first()
    if post is None:
        raise Http404
    return post


def county_key_posts() -> set[str]:
    """Codes of the posts the applied county template makes key posts."""
    number = TemplateState.objects.values_list("version", flat=True).first() or 0
    tenant = Tenant.objects.filter(schema_name=connection.schema_name).first()
    if tenant is None or number == 0:
        return set()
    county = tenant if tenant.is_county else tenant.parent
    version = TemplateVersion.objects.filter(county=county, number=number).first()
    posts = version.snapshot.get("posts", []) if version else []
    return {row["code"] for row in posts if row["is_key"]}


# --- incompatible pairs -----------------------------------------------------------------------

def _tenant_rule_code(post_a: str, post_b: str) -> str:
    code = f"tenant_{post_a}_{post_b}"
    if len(code) <= 48:
        return code
    digest = hashlib.sha256(f"{post_a}|{post_b}".encode()).hexdigest()[:20]
    return f"tenant_{digest}"


@transaction.atomic
def sod_rule_add(*, actor: User | None, post_a: str, post_b: str, scope: str = SodScope.POST,
                 article: str = "") -> SodRule:
    """A tenant's own incompatible pair, coded `tenant_<a>_<b>`."""
    if post_a == post_b:
        raise DomainError("same_post", "不相容岗位必须是两个不同的岗位。", 400)
    a, b = _post(post_a), _post(post_b)
    pair = Q(post_a=a, post_b=b) | Q(post_a=b, post_b=a)
    code = _tenant_rule_code(post_a, post_b)
    # A pair that never may be held together already forbids both on one document.
    same = SodRule.objects.filter(pair, scope__in={scope, SodScope.POST}).first()
    same = same or SodRule.objects.filter(code=code).first()
    if same is not None:
        raise DomainError("pair_exists", f"这两个岗位已由规则 {same.code} 规定不相容。", 409,
                          rule=same.code)
    rule = SodRule.objects.create(code=code, post_a=a, post_b=b, scope=scope,
                                  article=article or TENANT_ARTICLE, origin=Origin.TENANT)
    audit_record(actor=actor, action="sod_rule.added", obj=rule,
                 after={"code": code, "post_a": post_a, "post_b": post_b, "scope": scope,
                        "article": rule.article})
    if scope == SodScope.POST:
        sod_holders_flag(rule)
    return rule


def sod_holders_flag(rule: SodRule) -> None:
    """A new pair does not end anyone's assignment; whoever holds both posts already gets a
    standing alert for the township to resolve. Used for a tenant's own new pair and for one a
    county template push brings (permissions.catalog.services); idempotent (one alert per rule
    and person)."""
    holding = assignments_current().filter(staff__is_active=True)
    both = set(holding.filter(post=rule.post_a).values_list("staff_id", flat=True)) & set(
        holding.filter(post=rule.post_b).values_list("staff_id", flat=True))
    for staff_id in sorted(both):
        alert_raise(
            rule="sod_existing_conflict", severity="warn", standing=True,
            dedupe_key=f"sod_existing_conflict:{rule.code}:{staff_id}",
            object_type="permissions.staffmember", object_id=staff_id,
            responsible_post="tenant_admin",
            message=f"新规则 {rule.code} 规定{rule.post_a.name}与{rule.post_b.name}不相容，"
                    f"但工作人员（编号 {staff_id}）目前同时担任这两个岗位，请调整。",
        )


@transaction.atomic
def sod_rule_remove(*, actor: User | None, code: str) -> None:
    """Remove one of the tenant's own pairs; a county pair is a minimum and stays."""
    rule = SodRule.objects.select_related("post_a", "post_b").filter(code=code).first()
    if rule is None:
        raise Http404
    if rule.origin != Origin.TENANT:
        raise _county_minimum("县级模板规定的不相容岗位不能删除。")
    before = {"code": code, "post_a": rule.post_a.code, "post_b": rule.post_b.code,
              "scope": rule.scope, "article": rule.article}
    pk = rule.pk
    rule.delete()
    audit_record(actor=actor, action="sod_rule.removed", object_type="permissions.sodrule",
                 object_id=pk, before=before)


# --- role matrix ------------------------------------------------------------------------------

@transaction.atomic
def role_step_add(*, actor: User | None, activity: str, step: str, step_name: str,
                  post_code: str, order: int = 0) -> RoleStep:
    """A tenant's own extra step; the county's steps cannot be changed here."""
    post = _post(post_code)
    existing = RoleStep.objects.filter(activity=activity, step=step).first()
    if existing is not None and existing.origin != Origin.TENANT:
        raise _county_minimum("县级模板规定的职责矩阵环节不能修改。")
    if existing is not None:
        raise DomainError("code_taken", f"经济活动 {activity} 已有环节 {step}。", 409)
    row = RoleStep.objects.create(activity=activity, step=step, step_name=step_name, post=post,
                                  order=order, origin=Origin.TENANT)
    audit_record(actor=actor, action="role_step.added", obj=row,
                 after={"activity": activity, "step": step, "step_name": step_name,
                        "post": post_code, "order": order})
    return row


# --- posts ------------------------------------------------------------------------------------

def _check_tenure(post: Post, months: int | None) -> None:
    limit = post.county_max_tenure_months
    if limit is None:
        return
    if months is None or months > limit:
        raise _county_minimum(
            f"{post.name}的最长任期不能超过县级规定的 {limit} 个月。", status=422
        )


def _check_key(post: Post, is_key: bool) -> None:
    if not is_key and post.code in county_key_posts():
        raise _county_minimum(f"{post.name}是县级规定的关键岗位，不能取消。", status=422)


@transaction.atomic
def post_tighten(*, actor: User | None, post: Post, max_tenure_months: Any = UNSET,
                 is_key: Any = UNSET) -> Post:
    """Shorten a post's tenure or mark it key; never past the county's limits."""
    changes: dict[str, Any] = {}
    if max_tenure_months is not UNSET:
        _check_tenure(post, max_tenure_months)
        changes["max_tenure_months"] = max_tenure_months
    if is_key is not UNSET:
        _check_key(post, is_key)
        changes["is_key"] = is_key
    before = {name: getattr(post, name) for name in changes}
    changes = {name: value for name, value in changes.items() if before[name] != value}
    if not changes:
        return post
    for name, value in changes.items():
        setattr(post, name, value)
    post.save(update_fields=list(changes))
    audit_record(actor=actor, action="post.tightened", obj=post,
                 before={name: before[name] for name in changes}, after=changes)
    return post
