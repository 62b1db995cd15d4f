"""The tenant's budget reference data, read on every submission: the economic subjects, the
projects with the subjects each allows, the fund accounts. Small tables that change seldom,
so they are cached per tenant until any of them changes (tenants/config.py; triggers of
budget 0007). The instances are shared by the threads of a worker: nobody changes them."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from apps.budget.models import BudgetProject, EconomicSubject, FundAccount
from tenants.config import tenant_config


@dataclass(frozen=True)
class Reference:
    subjects: Mapping[int, EconomicSubject]
    projects: Mapping[int, BudgetProject]
    accounts: Mapping[int, FundAccount]
    allowed: Mapping[int, frozenset[int]]  # project id → the subject ids it may spend on


def reference_in_force() -> Reference:
    return tenant_config("budget_reference", _build)


def _build() -> Reference:
    allowed: dict[int, set[int]] = {}
    through = BudgetProject.allowed_subjects.through.objects.values_list(
        "budgetproject_id", "economicsubject_id")
    for project_id, subject_id in through:
        allowed.setdefault(project_id, set()).add(subject_id)
    return Reference(
        subjects=MappingProxyType({s.pk: s for s in EconomicSubject.objects.all()}),
        projects=MappingProxyType({p.pk: p for p in BudgetProject.objects.all()}),
        accounts=MappingProxyType({a.pk: a for a in FundAccount.objects.all()}),
        allowed=MappingProxyType({pk: frozenset(ids) for pk, ids in allowed.items()}),
    )
