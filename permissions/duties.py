"""Per-document duty checks (同一业务的职责分离), pure functions the approval engine calls
before it lets someone act on a document. Each returns None or a Refusal naming its rule.

Only `document_rules()` at the bottom touches the database: it reads the tenant's
incompatible pairs as plain tuples for `check_compatible_steps`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Case, When

from permissions.models import SodRule
from tenants.config import tenant_config

NO_SELF_APPROVAL = "no_self_approval"


@dataclass(frozen=True)
class Refusal:
    code: str  # the API error code: "self_approval", "sod_conflict"
    rule: str  # the rule that refused: "no_self_approval" or an SodRule code
    detail: str  # user-facing text


class DocStep(NamedTuple):
    """Someone who already acted on the document, and in which post."""

    actor_id: int
    post: str


class DocRule(NamedTuple):
    """An incompatible pair: `code` names the rule, `article` where it comes from."""

    code: str
    post_a: str
    post_b: str
    article: str


def check_not_own_document(*, actor_id: int, applicant_id: int) -> Refusal | None:
    """Nobody approves (or otherwise decides on) their own document."""
    if actor_id != applicant_id:
        return None
    return Refusal("self_approval", NO_SELF_APPROVAL, "不得审批本人提交的业务。")


def check_compatible_steps(
    *,
    actor_id: int,
    acting_post: str,
    history: Iterable[DocStep],
    rules: Iterable[DocRule | tuple[str, str, str, str]],
    names: Mapping[str, str] | None = None,
) -> Refusal | None:
    """Nobody performs two incompatible steps of one document: refused when `actor_id`
    already acted on it in a post that a rule (of either scope) pairs with `acting_post`.

    `names` maps post codes to display names for the message (codes are used otherwise)."""
    pairs = _pairs_with(acting_post, rules)
    for step in history:
        rule = pairs.get(step.post) if step.actor_id == actor_id else None
        if rule is not None:
            return _conflict(rule, earlier=step.post, acting=acting_post, names=names or {})
    return None


def _pairs_with(post: str, rules: Iterable) -> dict[str, DocRule]:
    """Posts incompatible with `post`, each with the first rule that says so."""
    pairs: dict[str, DocRule] = {}
    for rule in map(DocRule._make, rules):
        if post in (rule.post_a, rule.post_b) and rule.post_a != rule.post_b:
            other = rule.post_b if rule.post_a == post else rule.post_a
            pairs.setdefault(other, rule)
    return pairs


def _conflict(rule: DocRule, *, earlier: str, acting: str, names: Mapping[str, str]) -> Refusal:
    was, now = names.get(earlier, earlier), names.get(acting, acting)
    detail = f"您已在本业务中以{was}身份办理，不得再以{now}身份办理（{rule.article}）。"
    return Refusal("sod_conflict", rule.code, detail)


def document_rules() -> tuple[DocRule, ...]:
    """The current tenant's incompatible pairs (both scopes) as plain tuples, the rules about
    one document first so that a refusal names the most specific rule (cached per tenant
    until a rule or a post changes: tenants/config.py)."""
    return tenant_config("document_rules", _document_rules)


def _document_rules() -> tuple[DocRule, ...]:
    document_first = Case(When(scope="document", then=0), default=1)
    rows = SodRule.objects.order_by(document_first, "id").values_list(
        "code", "post_a__code", "post_b__code", "article"
    )
    return tuple(DocRule._make(row) for row in rows)
