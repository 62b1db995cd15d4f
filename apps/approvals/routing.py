"""Who may decide a step: holders of its post today, minus anyone a duty check would refuse."""

from apps.approvals.models import Approval, ApprovalStep, TaskStatus
from permissions.duties import (
    DocRule,
    DocStep,
    check_compatible_steps,
    check_not_own_document,
    document_rules,
)
from permissions.models import Post
from permissions.selectors import post_holders

APPLICANT_POST = "handler"


def history_of(approval: Approval, *, just_submitted: bool = False) -> list[DocStep]:
    """Who has acted on the document so far, and in which post (the applicant as handler).
    An approval `just_submitted` has no decision yet: nothing to read."""
    if just_submitted:
        return [DocStep(approval.applicant_id, APPLICANT_POST)]
    decided = (
        approval.steps.filter(tasks__status=TaskStatus.APPROVED)
        .values_list("tasks__decided_by_id", "tasks__post_code")
    )
    return [DocStep(approval.applicant_id, APPLICANT_POST)] + [
        DocStep(actor, post) for actor, post in decided if actor is not None
    ]


def refusal_for(*, user_id: int, post_code: str, approval: Approval,
                history: list[DocStep], rules: list[DocRule]):
    """The duty check that forbids `user_id` to act in `post_code` on this document, if any."""
    own = check_not_own_document(actor_id=user_id, applicant_id=approval.applicant_id)
    if own is not None:
        return own
    if check_compatible_steps(actor_id=user_id, acting_post=post_code, history=history,
                              rules=rules) is None:
        return None
    # Refused: only now read the posts' names for a message people can read.
    return check_compatible_steps(actor_id=user_id, acting_post=post_code, history=history,
                                  rules=rules, names=post_names())


def post_names() -> dict[str, str]:
    return dict(Post.objects.values_list("code", "name"))


def step_candidates(*, step: ApprovalStep, approval: Approval,
                    just_submitted: bool = False) -> list[int]:
    """User ids who hold the step's post and could act on it without breaking a duty rule."""
    holders = post_holders(step.post_code)
    if step.same_department and approval.department_id is not None:
        holders = tuple(h for h in holders if h.serves(approval.department_id))
    user_ids = sorted({holder.user_id for holder in holders})
    history = history_of(approval, just_submitted=just_submitted)
    rules = document_rules()
    return [
        user_id for user_id in user_ids
        if refusal_for(user_id=user_id, post_code=step.post_code, approval=approval,
                       history=history, rules=rules) is None
    ]
