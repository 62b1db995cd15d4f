"""County minimums of a process step: pure functions over step dicts.

A step dict has post_code, same_department, mode, condition, sla_hours (and name). A tenant's
copy of a county step may be tighter (it applies to more documents, involves more signers,
requires more attachments, is due sooner), never looser."""

from decimal import Decimal, InvalidOperation
from typing import Any

ANY, ALL = "any", "all"
MODES = (ANY, ALL)
CONDITION_KEYS = ("amount_gte", "subject_in", "flag", "requires")
ATTACHMENT_KINDS = ("minutes", "invoice", "scan", "contract", "other")
MAX_SLA_HOURS = 2000
RULED = ("post_code", "same_department", "mode", "sla_hours", "condition")


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _codes(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def condition_errors(condition: Any) -> list[str]:
    """Why `condition` is malformed (empty when it is fine)."""
    if not isinstance(condition, dict):
        return ["condition"]
    errors = [f"condition.{key}" for key in condition if key not in CONDITION_KEYS]
    if "amount_gte" in condition and _decimal(condition["amount_gte"]) is None:
        errors.append("condition.amount_gte")
    if "subject_in" in condition and not _codes(condition["subject_in"]):
        errors.append("condition.subject_in")
    flag = condition.get("flag")
    if "flag" in condition and not (isinstance(flag, str) and flag):
        errors.append("condition.flag")
    requires = condition.get("requires")
    if "requires" in condition and not (
        _codes(requires) and set(requires) <= set(ATTACHMENT_KINDS)
    ):
        errors.append("condition.requires")
    return errors


def step_errors(step: dict) -> list[str]:
    """Why a step dict is malformed (empty when it is fine)."""
    errors = condition_errors(step.get("condition", {}))
    if step.get("mode") not in MODES:
        errors.append("mode")
    sla = step.get("sla_hours")
    if not isinstance(sla, int) or isinstance(sla, bool) or not 1 <= sla <= MAX_SLA_HOURS:
        errors.append("sla_hours")
    if not step.get("post_code") or not step.get("name"):
        errors.append("post_code" if not step.get("post_code") else "name")
    return errors


def condition_loosenings(minimum: dict, condition: dict) -> list[str]:
    """Clauses of `condition` that let the step apply to a document `minimum` would catch,
    or that drop a required attachment. A clause the tenant removed makes the step apply
    more often: that is tighter."""
    loose = []
    if "amount_gte" in condition and (
        "amount_gte" not in minimum
        or _decimal(condition["amount_gte"]) > _decimal(minimum["amount_gte"])
    ):
        loose.append("condition.amount_gte")
    if "subject_in" in condition and (
        "subject_in" not in minimum
        or not set(condition["subject_in"]) >= set(minimum["subject_in"])
    ):
        loose.append("condition.subject_in")
    if "flag" in condition and condition["flag"] != minimum.get("flag"):
        loose.append("condition.flag")
    if not set(condition.get("requires", [])) >= set(minimum.get("requires", [])):
        loose.append("condition.requires")
    return loose


def loosenings(minimum: dict, step: dict) -> list[str]:
    """Fields in which the tenant's `step` is looser than the county's `minimum`."""
    loose = [name for name in ("post_code", "same_department")
             if step[name] != minimum[name]]
    if minimum["mode"] == ALL and step["mode"] != ALL:
        loose.append("mode")
    if step["sla_hours"] > minimum["sla_hours"]:
        loose.append("sla_hours")
    return loose + condition_loosenings(minimum["condition"], step["condition"])


# --- a new county version over a tenant's tightened copy ---------------------------------------

def _follow(own: Any, old: Any, new: Any, tighter) -> Any:
    """The county's new value where the tenant kept the old one, else the tighter of the two."""
    return new if own == old else tighter(own, new)


def _tighter_amount(own: Any, new: Any) -> Any:
    if own is None or new is None:
        return None
    return own if _decimal(own) <= _decimal(new) else new


def _union(own: list | None, new: list) -> list:
    """`own` as it is when it already holds every code of `new` (no needless new version)."""
    if own is not None and set(own) >= set(new):
        return own
    return sorted(set(own or []) | set(new))


def _tighter_subjects(own: Any, new: Any) -> Any:
    if own is None or new is None:
        return None
    return _union(own, new)


def _tighter_flag(own: Any, new: Any) -> Any:
    return own if own == new else None


def _condition(own: dict, old: dict, new: dict) -> dict:
    merged = {}
    for key, tighter in (("amount_gte", _tighter_amount), ("subject_in", _tighter_subjects),
                         ("flag", _tighter_flag)):
        value = _follow(own.get(key), old.get(key), new.get(key), tighter)
        if value is not None:
            merged[key] = value
    extra = set(own.get("requires", [])) - set(old.get("requires", []))
    wanted = set(new.get("requires", [])) | extra
    requires = own.get("requires") if set(own.get("requires", [])) == wanted else sorted(wanted)
    if requires:
        merged["requires"] = requires
    return merged


def merge(own: dict, old: dict, new: dict) -> dict:
    """The tenant's copy of a county step after the county moved from `old` to `new`: what
    the tenant tightened stays (as far as it is still tighter), the rest follows the county.
    The result is never looser than `new`."""
    return {
        **own,
        "name": own["name"] if own["name"] != old["name"] else new["name"],
        "post_code": new["post_code"],
        "same_department": new["same_department"],
        "mode": _follow(own["mode"], old["mode"], new["mode"],
                        lambda a, b: ALL if ALL in (a, b) else ANY),
        "sla_hours": _follow(own["sla_hours"], old["sla_hours"], new["sla_hours"], min),
        "condition": _condition(own["condition"], old["condition"], new["condition"]),
    }
