"""Writing the chain: events commit or roll back with their change; heads are published."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditEvent
from apps.audit.services import audit_head_publish, audit_record
from apps.audit.verify import verify_chain
from county_platform.errors import DomainError
from permissions.models import PostCode, StaffMember
from permissions.services import post_assign, staff_add
from tenants.models import AuditHeadPublication, User
from tenants.services import tenant_create
from tests.apps.audit import tampering
from tests.apps.audit.conftest import head_of
from tests.factories import staff_make

WRITERS = 6
EVENTS_PER_WRITER = 15


@pytest.mark.django_db
def test_a_new_tenant_chain_starts_with_tenant_created(town_a, county):
    with schema_context(town_a.schema_name):
        first = AuditEvent.objects.get(seq=1)
    with schema_context(county.schema_name):
        announced = AuditEvent.objects.get(action="county.tenant_created", object_id=town_a.pk)

    assert (first.action, first.object_type, first.object_id) == (
        "tenant.created",
        "tenants.tenant",
        str(town_a.pk),
    )
    assert first.prev_hash == GENESIS_HASH
    assert first.after["slug"] == "town-a"
    assert announced.after["slug"] == "town-a"


@pytest.mark.django_db
def test_staff_add_and_post_assign_each_append_their_event(town_a):
    actor = staff_make(town_a).user
    start = head_of(town_a).count

    with schema_context(town_a.schema_name):
        staff = staff_add(actor=actor, username=f"clerk-{uuid.uuid4().hex[:8]}")
        added = AuditEvent.objects.order_by("-seq").first()
        assignment = post_assign(actor=actor, staff=staff, post_code=PostCode.TENANT_ADMIN)
        assigned = AuditEvent.objects.order_by("-seq").first()

    assert (added.seq, added.action, added.object_id) == (start + 1, "staff.added", str(staff.pk))
    assert (added.actor_id, added.actor_username) == (actor.pk, actor.username)
    assert (assigned.seq, assigned.action, assigned.post) == (
        start + 2,
        "post.assigned",
        PostCode.TENANT_ADMIN,
    )
    assert assigned.object_id == str(assignment.pk)
    assert assigned.prev_hash == added.hash


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event(town_a):
    before = head_of(town_a)
    username = f"ghost-{uuid.uuid4().hex[:8]}"

    with (
        schema_context(town_a.schema_name),
        pytest.raises(RuntimeError, match="later step"),
        transaction.atomic(),
    ):
        staff_add(actor=None, username=username)
        raise RuntimeError("a later step of the same change failed")

    assert head_of(town_a) == before
    assert not User.objects.filter(username=username).exists()
    with schema_context(town_a.schema_name):
        assert not StaffMember.objects.filter(user__username=username).exists()
        assert not AuditEvent.objects.filter(after__username=username).exists()


@pytest.mark.django_db
def test_a_refused_change_leaves_no_event(town_a):
    staff = staff_make(town_a)
    before = head_of(town_a)

    with schema_context(town_a.schema_name), pytest.raises(DomainError) as refused:
        staff_add(actor=None, username=staff.user.username)

    assert refused.value.code == "already_staff"
    assert head_of(town_a) == before


def test_audit_record_refuses_to_run_outside_the_change_transaction(committed_db):
    with schema_context("town_a"):
        count = AuditEvent.objects.count()
        with pytest.raises(RuntimeError, match="inside the transaction"):
            audit_record(actor=None, action="test.autocommit")

        assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_audit_head_publish_appends_the_head_to_the_public_schema(chain):
    first = audit_head_publish(tenant=chain)
    staff_make(chain)
    second = audit_head_publish(tenant=chain)

    assert (first.count, first.head_hash) == (second.count - 1, _hash_at(chain, first.count))
    assert (second.count, second.head_hash) == (head_of(chain).count, head_of(chain).head_hash)
    assert list(AuditHeadPublication.objects.filter(tenant=chain)) == [second, first]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM public.tenants_auditheadpublication WHERE tenant_id = %s",
            [chain.pk],
        )
        assert cursor.fetchone() == (2,)


def _hash_at(tenant, seq: int) -> str:
    with schema_context(tenant.schema_name):
        return AuditEvent.objects.get(seq=seq).hash


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda count: tampering.tail_cut(keep=count - 2),
        lambda count: tampering.chain_rewrite(keep=count - 2, count=count + 1),
    ],
    ids=["tail_cut", "rewritten"],
)
def test_audit_head_publish_refuses_a_chain_that_left_the_published_head(chain, tamper):
    published = audit_head_publish(tenant=chain)
    with schema_context(chain.schema_name):
        tamper(published.count)

    with pytest.raises(DomainError) as refused:
        audit_head_publish(tenant=chain)

    assert refused.value.code == "audit_chain_diverged"
    assert list(AuditHeadPublication.objects.filter(tenant=chain)) == [published]


def _write_events(schema_name: str, writer: int, start: threading.Barrier, errors: list) -> None:
    try:
        start.wait(timeout=30)
        with schema_context(schema_name):
            for n in range(EVENTS_PER_WRITER):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", after={"w": writer, "n": n})
    except Exception as error:  # reported to the main thread
        errors.append(error)
    finally:
        connection.close()


def test_concurrent_writers_never_duplicate_a_seq_or_fork_the_chain(committed_db):
    """Real connections committing at once; runs outside the per-test transaction, so it
    writes into a tenant of its own (the test database is dropped after the session)."""
    slug = f"conc-{uuid.uuid4().hex[:8]}"
    with schema_context(get_public_schema_name()):
        tenant = tenant_create(actor=None, slug=slug, name="并发县", kind="county")
    with schema_context(tenant.schema_name):
        before = AuditEvent.objects.count()  # what creating the tenant recorded
    start, errors = threading.Barrier(WRITERS), []
    threads = [
        threading.Thread(target=_write_events, args=(tenant.schema_name, w, start, errors))
        for w in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with schema_context(tenant.schema_name):
        rows = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_hash"))
    report = verify_chain(tenant=tenant)

    total = before + WRITERS * EVENTS_PER_WRITER
    assert errors == []
    assert [seq for seq, _ in rows] == list(range(1, total + 1))
    assert len({prev for _, prev in rows}) == total  # no two events claim the same parent
    assert report.ok
    assert report.count == total
