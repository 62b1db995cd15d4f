"""Who sees which budget lines and projects: the whole tenant's budget for the posts that work
on every department's money, otherwise only "mine" (docs/duties.md, "Object permissions").

The answer is a set (subqueries for the selectors to filter by), never a check per object, so
that a list and a detail built on it always agree."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from permissions.models import Department, PostCode
from permissions.objects import departments_of, projects_officered
from permissions.selectors import assignments_current, staff_get_for_user, tenant_current
from tenants.inspectors import inspector_grant_live

# From the role matrix: budget preparation, review and approval (budget_officer,
# finance_reviewer, principal), the spending steps after the department's own review, which
# act on any department's line (finance_reviewer, leader, principal, accountant, cashier),
# internal control and supervision over the whole unit (ic_lead, supervisor), and the
# administrators.
BUDGET_WHOLE_TENANT_POSTS = (
    PostCode.TENANT_ADMIN, PostCode.COUNTY_ADMIN, "budget_officer", "finance_reviewer",
    "accountant", "cashier", "leader", "principal", "ic_lead", "supervisor",
)


@dataclass(frozen=True)
class BudgetScope:
    """everything, or the ids (as subqueries) of my departments and my projects."""

    everything: bool
    departments: QuerySet | None = None
    projects: QuerySet | None = None

    def indicators(self) -> Q:
        """The condition on BudgetIndicator rows this scope sees."""
        if self.everything:
            return Q()
        return Q(department__in=self.departments) | Q(project__in=self.projects)

    def projects_q(self) -> Q:
        """The condition on BudgetProject rows this scope sees."""
        if self.everything:
            return Q()
        return Q(department__in=self.departments) | Q(pk__in=self.projects)


def budget_scope(*, user, projects: QuerySet) -> BudgetScope:
    """What `user` sees of this tenant's budget; `projects` is BudgetProject's queryset (the
    budget app's model, passed in so that permissions does not import the budget app)."""
    staff = staff_get_for_user(user=user)
    if staff is None:  # an inspector with a live grant reads everything, anyone else nothing
        live = getattr(user, "is_authenticated", False) and inspector_grant_live(
            user=user, tenant=tenant_current()) is not None
        return BudgetScope(everything=bool(live), departments=Department.objects.none(),
                           projects=projects.none())
    whole = assignments_current().filter(staff=staff, post__code__in=BUDGET_WHOLE_TENANT_POSTS)
    if whole.exists():
        return BudgetScope(everything=True)
    return BudgetScope(
        everything=False,
        departments=departments_of(user=user).values("pk"),
        projects=projects_officered(user=user, queryset=projects).values("pk"),
    )
