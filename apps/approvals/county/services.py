"""The county's process templates: seeding them, editing them, publishing versions.

Publishing freezes every process of the county as one snapshot and pushes it (after commit,
one Celery task per tenant) to the county and its townships; applying it in a tenant is
`apps.approvals.county.apply`."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django_tenants.utils import schema_context

from apps.approvals import defaults
from apps.approvals.county.minimums import step_errors
from apps.approvals.county.models import CountyProcess, CountyProcessStep, ProcessTemplateVersion
from apps.audit.services import audit_record
from county_platform.celery import schema_headers
from county_platform.errors import DomainError
from permissions.catalog.models import CountyParameter, CountyPost
from permissions.catalog.services import tenants_of
from tenants.models import Tenant, User

STEP_FIELDS = ("code", "name", "post_code", "same_department", "mode", "condition",
               "sla_hours", "required")
# Path segments of the county API next to /process-templates/<document_type>/.
RESERVED_TYPES = {"publish", "versions"}


def _audit_county(*, actor: User | None, county: Tenant, action: str, obj, **changes) -> None:
    with schema_context(county.schema_name):
        audit_record(actor=actor, action=action, obj=obj, **changes)


def _steps_of(process: CountyProcess) -> list[dict[str, Any]]:
    return list(process.steps.order_by("order").values(*STEP_FIELDS))


@transaction.atomic
def process_catalog_ensure_defaults(*, county: Tenant) -> bool:
    """Give `county` the default process templates and the 三重一大 threshold parameter if it
    has none yet; True when seeded."""
    code, name, value, low, high = defaults.MAJOR_MATTER_PARAMETER
    CountyParameter.objects.get_or_create(
        county=county, code=code,
        defaults={"name": name, "value": value, "minimum": low, "maximum": high},
    )
    if CountyProcess.objects.filter(county=county).exists():
        return False
    processes = CountyProcess.objects.bulk_create(
        CountyProcess(county=county, document_type=p.document_type, name=p.name)
        for p in defaults.PROCESSES
    )
    CountyProcessStep.objects.bulk_create(
        CountyProcessStep(process=process, order=order, code=s.code, name=s.name,
                          post_code=s.post, same_department=s.same_department, mode=s.mode,
                          condition=s.condition, sla_hours=s.sla_hours, required=s.required)
        for process, p in zip(processes, defaults.PROCESSES, strict=True)
        for order, s in enumerate(p.steps, start=1)
    )
    return True


@transaction.atomic
def process_catalog_start(*, actor: User | None, county: Tenant) -> ProcessTemplateVersion:
    """A new county's process templates: the defaults and version 1 (nothing to push yet)."""
    process_catalog_ensure_defaults(county=county)
    return process_version_latest(county=county) or _version_create(
        actor=actor, county=county, note="默认流程模板"
    )


# --- editing ----------------------------------------------------------------------------------

def county_steps_validate(*, county: Tenant, steps: list[dict]) -> None:
    """Refuse a malformed step, a duplicate step code, an unknown post, or no step at all."""
    if not steps:
        raise DomainError("invalid", "流程至少需要一个环节。", 400)
    for position, step in enumerate(steps, start=1):
        errors = step_errors(step)
        if errors:
            raise DomainError("invalid", f"第 {position} 个环节有误：{'、'.join(errors)}。", 400,
                              step=position, fields=errors)
    codes = [step["code"] for step in steps]
    if len(set(codes)) != len(codes):
        raise DomainError("invalid", "环节编码不能重复。", 400)
    posts = {step["post_code"] for step in steps}
    known = set(CountyPost.objects.filter(county=county, code__in=posts)
                .values_list("code", flat=True))
    for code in sorted(posts - known):
        raise DomainError("unknown_post", f"县级模板中没有岗位 {code}。", 400, post=code)


def _step_defaults(step: dict) -> dict:
    return {"same_department": False, "mode": "any", "condition": {}, "sla_hours": 16,
            "required": True, **step}


def _write_steps(process: CountyProcess, steps: list[dict]) -> None:
    process.steps.all().delete()
    CountyProcessStep.objects.bulk_create(
        CountyProcessStep(process=process, order=order, **{k: s[k] for k in STEP_FIELDS})
        for order, s in enumerate(steps, start=1)
    )


@transaction.atomic
def county_process_create(*, actor: User | None, county: Tenant, document_type: str,
                          name: str, steps: list[dict]) -> CountyProcess:
    steps = [_step_defaults(step) for step in steps]
    if document_type in RESERVED_TYPES:
        raise DomainError("invalid", f"单据类型不能是 {document_type}。", 400)
    if CountyProcess.objects.filter(county=county, document_type=document_type).exists():
        raise DomainError("code_taken", f"单据类型 {document_type} 已有流程模板。", 409)
    county_steps_validate(county=county, steps=steps)
    process = CountyProcess.objects.create(county=county, document_type=document_type,
                                           name=name)
    _write_steps(process, steps)
    _audit_county(actor=actor, county=county, action="process_template.created", obj=process,
                  after={"document_type": document_type, "name": name,
                         "steps": _steps_of(process)})
    return process


@transaction.atomic
def county_process_update(*, actor: User | None, process: CountyProcess,
                          name: str | None = None,
                          steps: list[dict] | None = None) -> CountyProcess:
    """Rename a process template and/or replace its steps (effective at the next publish)."""
    before = {"name": process.name, "steps": _steps_of(process)}
    if steps is not None:
        steps = [_step_defaults(step) for step in steps]
        county_steps_validate(county=process.county, steps=steps)
        _write_steps(process, steps)
    if name is not None:
        process.name = name
        process.save(update_fields=["name"])
    _audit_county(actor=actor, county=process.county, action="process_template.changed",
                  obj=process, before=before,
                  after={"name": process.name, "steps": _steps_of(process)})
    return process


# --- versions and push ------------------------------------------------------------------------

def process_catalog_snapshot(*, county: Tenant) -> dict:
    """Every process template of the county as plain data (what a version records)."""
    processes = CountyProcess.objects.filter(county=county).prefetch_related("steps")
    return {"processes": [
        {"document_type": p.document_type, "name": p.name,
         "steps": [{k: getattr(s, k) for k in STEP_FIELDS}
                   for s in sorted(p.steps.all(), key=lambda s: s.order)]}
        for p in processes.order_by("document_type")
    ]}


def process_version_latest(*, county: Tenant) -> ProcessTemplateVersion | None:
    return ProcessTemplateVersion.objects.filter(county=county).order_by("-number").first()


def _version_create(*, actor: User | None, county: Tenant, note: str) -> ProcessTemplateVersion:
    number = (ProcessTemplateVersion.objects.filter(county=county)
              .aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProcessTemplateVersion.objects.create(
        county=county, number=number, snapshot=process_catalog_snapshot(county=county),
        note=note, published_by=actor,
    )
    _audit_county(actor=actor, county=county, action="process_template.published",
                  obj=version, after={"number": number, "note": note})
    return version


@transaction.atomic
def process_template_publish(*, actor: User | None, county: Tenant,
                             note: str = "") -> ProcessTemplateVersion:
    """Record the county's current process templates as a new version and push it to every
    tenant of the county (after commit, one Celery task per tenant)."""
    # One publisher at a time per county: the version number is read, then written.
    Tenant.objects.select_for_update().filter(pk=county.pk).first()
    version = _version_create(actor=actor, county=county, note=note)
    transaction.on_commit(lambda: _push(county=county, number=version.number))
    return version


def _push(*, county: Tenant, number: int) -> None:
    from apps.approvals.county.tasks import process_template_apply_task

    for tenant in tenants_of(county=county).only("schema_name"):
        process_template_apply_task.apply_async(
            (number,), headers=schema_headers(tenant.schema_name)
        )
