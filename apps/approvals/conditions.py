"""Whether a process step applies to a document: pure functions over the document's facts."""

from decimal import Decimal, InvalidOperation
from typing import Any


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def step_applies(condition: dict, facts: dict) -> bool:
    """True when every clause of `condition` holds for `facts` (an empty condition always holds).

    Clauses: amount_gte (decimal string), subject_in (list of codes), flag (a fact that must
    be true)."""
    if "amount_gte" in condition:
        amount, floor = _amount(facts.get("amount")), _amount(condition["amount_gte"])
        if amount is None or floor is None or amount < floor:
            return False
    if "subject_in" in condition and facts.get("subject") not in condition["subject_in"]:
        return False
    return not ("flag" in condition and not facts.get(condition["flag"]))
