"""The daily task publishes every active tenant's head; a diverged chain does not stop it."""

import logging

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from apps.audit.services import audit_head_publish
from apps.audit.tasks import audit_publish_all_heads
from tenants.models import AuditHeadPublication, Tenant
from tests.apps.audit import tampering
from tests.apps.audit.conftest import head_of

pytestmark = pytest.mark.django_db


def _audited_tenants() -> list[Tenant]:
    return list(Tenant.objects.filter(is_active=True).exclude(schema_name="public"))


def test_the_task_is_the_one_the_beat_schedule_names():
    scheduled = settings.CELERY_BEAT_SCHEDULE["audit-publish-heads"]["task"]

    assert audit_publish_all_heads.name == scheduled == "apps.audit.tasks.audit_publish_all_heads"


def test_every_active_tenant_but_public_gets_its_head_published(chain, county, town_b):
    tenants = _audited_tenants()

    published = audit_publish_all_heads.run()

    assert published == len(tenants)
    assert not AuditHeadPublication.objects.filter(tenant__schema_name="public").exists()
    for tenant in tenants:
        last = AuditHeadPublication.objects.filter(tenant=tenant).first()
        assert (last.count, last.head_hash) == (head_of(tenant).count, head_of(tenant).head_hash)


def test_an_inactive_tenant_is_skipped(town_b):
    Tenant.objects.filter(pk=town_b.pk).update(is_active=False)

    published = audit_publish_all_heads.run()

    assert published == len(_audited_tenants())
    assert not AuditHeadPublication.objects.filter(tenant=town_b).exists()


def test_a_diverged_chain_is_logged_and_the_others_still_published(chain, county, caplog):
    old = audit_head_publish(tenant=chain)
    with schema_context(chain.schema_name):
        tampering.tail_cut(keep=old.count - 1)

    with caplog.at_level(logging.ERROR, logger="apps.audit.tasks"):
        published = audit_publish_all_heads.run()

    assert published == len(_audited_tenants()) - 1
    assert AuditHeadPublication.objects.filter(tenant=chain).first() == old
    assert AuditHeadPublication.objects.filter(tenant=county).count() == 1
    assert chain.slug in caplog.text


def test_running_twice_adds_an_identical_attestation(town_a):
    audit_publish_all_heads.run()
    audit_publish_all_heads.run()

    heads = list(AuditHeadPublication.objects.filter(tenant=town_a))
    assert len(heads) == 2
    assert (heads[0].count, heads[0].head_hash) == (heads[1].count, heads[1].head_hash)
