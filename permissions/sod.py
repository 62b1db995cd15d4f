"""Separation of duties as pure functions over plain data: no ORM, no clock, no request.

The services and the simulate endpoint load the rows and call these, so the real answer and
the simulated one cannot drift apart.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

POST_SCOPE = "post"
ADMIN_NO_MONEY = "sod_admin_no_money"
ADMIN_NO_MONEY_ARTICLE = (
    "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）不相容岗位相互分离："
    "系统管理员负责本单位人员与岗位授权，不得兼任涉及资金的岗位"
)
APPROVED = "approved"


@dataclass(frozen=True)
class Rule:
    """One incompatible pair; only scope "post" rules bind who may hold which posts."""

    code: str
    post_a: str
    post_b: str
    scope: str
    article: str


@dataclass(frozen=True)
class Waiver:
    """An exception to `rule_code` for the person being checked, as the county decided it."""

    rule_code: str
    status: str
    valid_from: date
    valid_to: date

    def covers(self, rule_code: str, on: date) -> bool:
        return (
            self.status == APPROVED
            and self.rule_code == rule_code
            and self.valid_from <= on <= self.valid_to
        )


@dataclass(frozen=True)
class Conflict:
    post: str
    rule: str
    article: str
    with_post: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def admin_money_rules(*, admin_post: str, money_posts: Iterable[str]) -> list[Rule]:
    """The system administrator holds no money post: one rule row per money post."""
    return [
        Rule(ADMIN_NO_MONEY, admin_post, money, POST_SCOPE, ADMIN_NO_MONEY_ARTICLE)
        for money in sorted(set(money_posts))
        if money != admin_post
    ]


def conflicts_for(
    *,
    post: str,
    held: Iterable[str],
    rules: Iterable[Rule],
    exceptions: Iterable[Waiver] = (),
    on: date,
) -> list[Conflict]:
    """What giving `post` to a person who holds `held` would break, on day `on`.

    A rule binds when one of its posts is `post` and the other is held; an approved
    exception for that rule, live on `on`, suppresses it. Sorted, without duplicates."""
    held_set = set(held) - {post}
    waivers = list(exceptions)
    found = {
        Conflict(post=post, rule=rule.code, article=rule.article, with_post=other)
        for rule in rules
        if rule.scope == POST_SCOPE
        for other in _other_post(rule, post)
        if other in held_set and not any(w.covers(rule.code, on) for w in waivers)
    }
    return sorted(found, key=lambda c: (c.with_post, c.rule))


def _other_post(rule: Rule, post: str) -> tuple[str, ...]:
    if rule.post_a == post:
        return (rule.post_b,)
    if rule.post_b == post:
        return (rule.post_a,)
    return ()


def pairs_in_conflict(*, held: Iterable[str], rules: Iterable[Rule]) -> list[Rule]:
    """The post-scope rules whose two posts are both in `held` (ignoring exceptions)."""
    held_set = set(held)
    return [
        rule for rule in rules
        if rule.scope == POST_SCOPE and rule.post_a in held_set and rule.post_b in held_set
    ]
