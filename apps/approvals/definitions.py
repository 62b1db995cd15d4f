"""Tenant-side process definitions: the copy of the county's templates, the tenant's edits
inside the county's minimums, and what a document must bring before it is submitted.

A tenant's ProcessStep with from_county=True is its copy of a required county step; the
k-th such step of a definition is the copy of the k-th required step of the county version
the tenant has applied (the services below never remove or reorder them, so the position is
a stable key). A tenant may add steps, lower an amount threshold, widen a subject set, drop
a condition clause, require more attachments, shorten an SLA and switch any-of to all-of;
anything else on a county step is refused with 422 `county_minimum`. A new county version
keeps the tenant's own steps and tightenings and restores every county minimum.
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from apps.approvals import defaults
from apps.approvals.conditions import step_applies
from apps.approvals.county.minimums import loosenings, merge, step_errors
from apps.approvals.county.models import ProcessTemplateState, ProcessTemplateVersion
from apps.approvals.models import ProcessDefinition, ProcessStep
from apps.attachments.selectors import attachments_of
from apps.attachments.services import attachments_lock
from apps.audit.services import audit_record
from county_platform.errors import DomainError
from permissions.catalog.models import CountyParameter
from permissions.catalog.services import county_of
from permissions.models import Post
from tenants.config import tenant_config
from tenants.models import Tenant, User

ROW_FIELDS = ("name", "post_code", "same_department", "mode", "condition", "sla_hours",
              "from_county")
COMPARED = ("name", "post_code", "same_department", "mode", "condition", "sla_hours")


# --- reads ------------------------------------------------------------------------------------

def processes_list():
    return ProcessDefinition.objects.prefetch_related("steps").order_by("document_type")


def process_get(*, document_type: str) -> ProcessDefinition:
    definition = processes_list().filter(document_type=document_type).first()
    if definition is None:
        raise Http404
    return definition


def process_in_force(*, document_type: str) -> ProcessDefinition | None:
    """The tenant's process for `document_type`, its steps in order (cached per tenant until
    a definition changes: tenants/config.py). Shared by requests: read it, never change it."""
    return tenant_config(f"process:{document_type}", lambda: (
        ProcessDefinition.objects
        .prefetch_related(Prefetch("steps", queryset=ProcessStep.objects.order_by("order")))
        .filter(document_type=document_type).first()))


def _rows(definition: ProcessDefinition) -> list[dict[str, Any]]:
    steps = sorted(definition.steps.all(), key=lambda step: step.order)
    return [{name: getattr(step, name) for name in ROW_FIELDS} for step in steps]


def _tenant_here() -> Tenant:
    return Tenant.objects.get(schema_name=connection.schema_name)


def applied_version(*, tenant: Tenant) -> ProcessTemplateVersion | None:
    number = (ProcessTemplateState.objects.filter(tenant=tenant)
              .values_list("number", flat=True).first())
    if not number:
        return None
    return ProcessTemplateVersion.objects.filter(county=county_of(tenant), number=number).first()


def _process_of(snapshot: dict | None, document_type: str) -> dict | None:
    for process in (snapshot or {}).get("processes", []):
        if process["document_type"] == document_type:
            return process
    return None


def _as_row(county_step: dict, *, from_county: bool) -> dict[str, Any]:
    return {**{name: county_step[name] for name in COMPARED}, "from_county": from_county}


def county_minimums_all(*, tenant: Tenant | None = None) -> dict[str, list[dict]]:
    """Per document type, the required county steps (as step rows) binding this tenant."""
    version = applied_version(tenant=tenant or _tenant_here())
    processes = (version.snapshot if version else {}).get("processes", [])
    return {p["document_type"]: [_as_row(step, from_county=True) for step in p["steps"]
                                 if step["required"]] for p in processes}


def county_minimums(*, document_type: str, tenant: Tenant | None = None) -> list[dict]:
    return county_minimums_all(tenant=tenant).get(document_type, [])


def steps_with_minimums(definition: ProcessDefinition,
                        minimums: list[dict]) -> list[tuple[ProcessStep, dict | None]]:
    """Each step of `definition` with the county minimum it copies (None for the tenant's)."""
    county = iter(minimums)
    steps = sorted(definition.steps.all(), key=lambda step: step.order)
    return [(step, next(county, None) if step.from_county else None) for step in steps]


# --- writing a definition's steps -------------------------------------------------------------

def _replace_steps(definition: ProcessDefinition, rows: list[dict]) -> None:
    """A new version of the definition (running approvals keep the steps they froze)."""
    definition.steps.all().delete()
    ProcessStep.objects.bulk_create(
        ProcessStep(definition=definition, order=order, **row)
        for order, row in enumerate(rows, start=1)
    )
    definition.version += 1
    definition.save(update_fields=["name", "version", "updated_at"])


# --- the tenant's edits -----------------------------------------------------------------------

def _county_minimum(detail: str, **extra: Any) -> DomainError:
    return DomainError("county_minimum", detail, 422, **extra)


def process_steps_check(*, minimums: list[dict], rows: list[dict]) -> None:
    """Refuse malformed steps, and any change that removes, reorders or loosens a county step."""
    for position, row in enumerate(rows, start=1):
        errors = step_errors(row)
        if errors:
            raise DomainError("invalid", f"第 {position} 个环节有误：{'、'.join(errors)}。", 400,
                              step=position, fields=errors)
    unknown = {row["post_code"] for row in rows} - set(
        Post.objects.filter(code__in=[row["post_code"] for row in rows])
        .values_list("code", flat=True))
    if unknown:
        post = sorted(unknown)[0]
        raise DomainError("unknown_post", f"没有岗位 {post}。", 400, post=post)
    county_rows = [(position, row) for position, row in enumerate(rows, start=1)
                   if row["from_county"]]
    if len(county_rows) != len(minimums):
        raise _county_minimum("县级必经环节不能删除，也不能新增为县级环节。",
                              expected=len(minimums), got=len(county_rows))
    for (position, row), minimum in zip(county_rows, minimums, strict=True):
        loose = loosenings(minimum, row)
        if loose:
            raise _county_minimum(
                f"第 {position} 个环节“{minimum['name']}”是县级必经环节，只能从严调整"
                f"（{'、'.join(loose)}）。", step=position, fields=loose,
            )


@transaction.atomic
def process_update(*, actor: User, document_type: str, steps: list[dict],
                   name: str | None = None) -> ProcessDefinition:
    """Replace the tenant's steps of `document_type` within the county's minimums."""
    definition = ProcessDefinition.objects.select_for_update().filter(
        document_type=document_type).first()
    if definition is None:
        raise Http404
    rows = [{"same_department": False, "mode": "any", "condition": {}, "sla_hours": 16,
             "from_county": False, **step} for step in steps]
    process_steps_check(minimums=county_minimums(document_type=document_type), rows=rows)
    before = {"name": definition.name, "version": definition.version,
              "steps": _rows(definition)}
    definition.name = name or definition.name
    _replace_steps(definition, rows)
    audit_record(actor=actor, action="approval.process_changed", obj=definition, before=before,
                 after={"name": definition.name, "version": definition.version, "steps": rows})
    return definition


# --- applying a county version ----------------------------------------------------------------

def merged_steps(current: list[dict], old: list[dict], new: list[dict]) -> list[dict]:
    """The tenant's rows of one process after the county moved from `old` to `new` steps.

    Tenant steps stay after the county step they followed (or first); county steps follow
    `new`, each merged with the tenant's tightenings of it. When the tenant's county rows no
    longer match `old` (written past these services), they are rebuilt from `new`."""
    old_required = [step for step in old if step["required"]]
    new_by_code = {step["code"]: step for step in new}
    county_rows = [row for row in current if row["from_county"]]
    codes = iter([s["code"] for s in old_required]) if len(county_rows) == len(
        old_required) else None
    olds = iter(old_required)
    groups: dict[str | None, list[dict]] = {}
    own: dict[str, dict] = {}
    anchor = None
    for row in current:
        if not row["from_county"]:
            groups.setdefault(anchor, []).append(row)
            continue
        if codes is None:
            continue
        code, old_step = next(codes), next(olds)
        new_step = new_by_code.get(code)
        if new_step is None:
            continue
        if not new_step["required"]:
            groups.setdefault(anchor, []).append({**row, "from_county": False})
            continue
        own[code] = merge(row, _as_row(old_step, from_county=True),
                          _as_row(new_step, from_county=True))
        anchor = code
    result = list(groups.get(None, []))
    for step in new:
        if step["required"]:
            result.append(own.get(step["code"]) or _as_row(step, from_county=True))
            result.extend(groups.get(step["code"], []))
    return result


def _first_copy(snapshot: dict) -> None:
    """Every process into a schema that has none: two INSERTs, so provisioning stays fast."""
    processes = snapshot.get("processes", [])
    created = ProcessDefinition.objects.bulk_create(
        ProcessDefinition(document_type=p["document_type"], name=p["name"]) for p in processes
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(definition=definition, order=order,
                    **_as_row(step, from_county=step["required"]))
        for definition, p in zip(created, processes, strict=True)
        for order, step in enumerate(p["steps"], start=1)
    )


def _apply_process(new: dict, old: dict | None) -> bool:
    """Bring one definition to `new`; True when it changed."""
    definition = ProcessDefinition.objects.filter(document_type=new["document_type"]).first()
    if definition is None:
        definition = ProcessDefinition.objects.create(document_type=new["document_type"],
                                                      name=new["name"], version=0)
        rows = [_as_row(step, from_county=step["required"]) for step in new["steps"]]
    else:
        rows = merged_steps(_rows(definition), old["steps"] if old else [], new["steps"])
        if rows == _rows(definition):
            return False
    _replace_steps(definition, rows)
    return True


def _release(document_type: str) -> bool:
    """A process the county no longer templates: its steps become the tenant's own."""
    return bool(ProcessStep.objects.filter(definition__document_type=document_type,
                                           from_county=True).update(from_county=False))


def process_template_apply(*, tenant: Tenant,
                           version: ProcessTemplateVersion | None = None) -> int:
    """Bring the current tenant schema up to `version` (the county's latest by default);
    idempotent. Must run in `tenant`'s schema. Returns the version number now applied."""
    county = county_of(tenant)
    version = version or ProcessTemplateVersion.objects.filter(county=county).order_by(
        "-number").first()
    if version is None:
        return 0
    with transaction.atomic():
        state = ProcessTemplateState.objects.select_for_update().get_or_create(tenant=tenant)[0]
        if state.number >= version.number:
            return state.number
        if state.number == 0 and not ProcessDefinition.objects.exists():
            _first_copy(version.snapshot)
            changed = [p["document_type"] for p in version.snapshot.get("processes", [])]
        else:
            changed = _apply_version(version.snapshot, applied_version(tenant=tenant))
        state.number, state.applied_at = version.number, timezone.now()
        state.save(update_fields=["number", "applied_at"])
        audit_record(actor=None, action="approval.process_template_applied", obj=None,
                     object_type="approval_templates.processtemplateversion",
                     object_id=version.pk,
                     after={"version": version.number, "county": county.slug,
                            "changed": changed})
    return version.number


def _apply_version(snapshot: dict, previous: ProcessTemplateVersion | None) -> list[str]:
    old = previous.snapshot if previous else None
    changed = [p["document_type"] for p in snapshot.get("processes", [])
               if _apply_process(p, _process_of(old, p["document_type"]))]
    kept = {p["document_type"] for p in snapshot.get("processes", [])}
    dropped = [p["document_type"] for p in (old or {}).get("processes", [])
               if p["document_type"] not in kept]
    return changed + [code for code in dropped if _release(code)]


def processes_copy(*, tenant: Tenant) -> int:
    """On tenant creation: the county's current processes into the new schema."""
    return process_template_apply(tenant=tenant)


# --- before submission: flags and required attachments ---------------------------------------

def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def facts_with_flags(facts: dict, *, major_matter_amount: Decimal) -> dict:
    """`facts` with major_matter set: marked by the applicant, or amount ≥ the threshold."""
    amount = _amount(facts.get("amount"))
    major = bool(facts.get(defaults.MAJOR_MATTER_FLAG)) or (
        amount is not None and amount >= major_matter_amount
    )
    return {**facts, defaults.MAJOR_MATTER_FLAG: major}


def requirements_unmet(definition: ProcessDefinition, facts: dict,
                       attachments: Iterable[Any]) -> list[str]:
    """Attachment kinds that steps applying to `facts` require and `attachments` lack."""
    needed = {kind for step in definition.steps.all() if step_applies(step.condition, facts)
              for kind in step.condition.get("requires", [])}
    if not needed:
        return []  # `attachments` (a lazy queryset, say) is not even read
    return sorted(needed - {attachment.kind for attachment in attachments})


def _county_id_here() -> int:
    """The current tenant's county, from the request's tenant when there is one."""
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.schema_name != connection.schema_name:
        tenant = _tenant_here()
    return tenant.pk if tenant.is_county else tenant.parent_id


def major_matter_amount() -> Decimal:
    """The county's 三重一大 amount (a county parameter, read live: no push needed; cached
    until the county's parameters change, tenants/config.py)."""
    return tenant_config("major_matter_amount", _major_matter_amount)


def _major_matter_amount() -> Decimal:
    code, _, default, _, _ = defaults.MAJOR_MATTER_PARAMETER
    value = (CountyParameter.objects.filter(county_id=_county_id_here(), code=code)
             .values_list("value", flat=True).first())
    return Decimal(default if value is None else value)


REQUIRED_CODES = {"minutes": ("minutes_required", "“三重一大”事项须先上传集体决策会议纪要。")}


def submission_prepare(*, definition: ProcessDefinition, document_type: str,
                       document_id: str | int, facts: dict) -> dict:
    """Called by approval_submit in its transaction: the facts with their flags, after
    checking the required attachments (422) and locking the document's attachments."""
    facts = facts_with_flags(facts, major_matter_amount=major_matter_amount())
    linked = attachments_of(object_type=document_type, object_id=str(document_id))
    unmet = requirements_unmet(definition, facts, linked)
    if unmet:
        code, detail = REQUIRED_CODES.get(
            unmet[0], ("attachment_required", f"请先上传附件：{'、'.join(unmet)}。"))
        raise DomainError(code, detail, 422, missing=unmet)
    attachments_lock(object_type=document_type, object_id=str(document_id))
    return facts
