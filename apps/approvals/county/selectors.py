"""Reads of a county's process templates; another county's row is as absent as a missing one."""

from django.http import Http404

from apps.approvals.county.models import CountyProcess, ProcessTemplateVersion
from tenants.models import Tenant


def county_processes(*, county: Tenant):
    return (CountyProcess.objects.filter(county=county).prefetch_related("steps")
            .order_by("document_type"))


def county_process_get(*, county: Tenant, document_type: str) -> CountyProcess:
    process = county_processes(county=county).filter(document_type=document_type).first()
    if process is None:
        raise Http404
    return process


def process_template_versions(*, county: Tenant):
    return (ProcessTemplateVersion.objects.filter(county=county).select_related("published_by")
            .defer("snapshot").order_by("-number"))
