"""verify_chain names the first broken event and why; a sound chain passes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.audit.services import audit_head_publish
from apps.audit.verify import BreakReason, verify_chain
from tests.apps.audit import tampering
from tests.apps.audit.conftest import head_of
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


def _tamper(tenant, action, **kwargs):
    with schema_context(tenant.schema_name):
        action(**kwargs)


def test_a_sound_chain_passes_and_reports_its_head(chain):
    report = verify_chain(tenant=chain)

    assert report.ok
    assert report.broken is None
    assert (report.count, report.head_hash) == (head_of(chain).count, head_of(chain).head_hash)


def test_every_session_tenant_chain_is_sound(county, town_a, town_b):
    assert [verify_chain(tenant=t).ok for t in (county, town_a, town_b)] == [True, True, True]


def test_the_chain_is_read_in_batches(chain):
    count = head_of(chain).count

    with CaptureQueriesContext(connection) as queries:
        report = verify_chain(tenant=chain, batch_size=3)

    reads = [q["sql"] for q in queries.captured_queries if 'FROM "audit_auditevent"' in q["sql"]]
    assert report.ok
    assert report.count == count
    assert len(reads) == count // 3 + 1
    assert all(sql.endswith("LIMIT 3") for sql in reads)


def test_an_altered_event_is_named(chain):
    _tamper(chain, tampering.event_alter, seq=5)

    report = verify_chain(tenant=chain, batch_size=2)

    assert not report.ok
    assert (report.broken.seq, report.broken.reason) == (5, BreakReason.ALTERED)
    assert "篡改" in report.broken.message
    assert report.count == 4


def test_a_removed_event_is_a_gap(chain):
    _tamper(chain, tampering.event_remove, seq=4)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (4, BreakReason.GAP)
    assert "删除" in report.broken.message


def test_removing_the_first_event_is_a_gap_at_one(chain):
    _tamper(chain, tampering.event_remove, seq=1)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (1, BreakReason.GAP)


def test_swapped_events_break_the_link(chain):
    _tamper(chain, tampering.events_swap, seq_a=3, seq_b=6)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (3, BreakReason.BROKEN_LINK)
    assert "顺序" in report.broken.message


def test_the_first_of_several_breaks_is_named(chain):
    _tamper(chain, tampering.event_alter, seq=7)
    _tamper(chain, tampering.event_remove, seq=3)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (3, BreakReason.GAP)


def test_a_cut_tail_is_invisible_without_a_publication(chain):
    """Why heads are published: a cut chain is internally sound."""
    _tamper(chain, tampering.tail_cut, keep=4)

    assert verify_chain(tenant=chain).ok


def test_a_cut_tail_after_a_publication_is_named(chain):
    published = audit_head_publish(tenant=chain)
    _tamper(chain, tampering.tail_cut, keep=4)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (5, BreakReason.TAIL_CUT)
    assert report.published_count == published.count
    assert "截断" in report.broken.message


def test_a_rewritten_chain_after_a_publication_is_named(chain):
    published = audit_head_publish(tenant=chain)
    _tamper(chain, tampering.chain_rewrite, keep=4, count=published.count + 2)

    report = verify_chain(tenant=chain)

    assert (report.broken.seq, report.broken.reason) == (published.count, BreakReason.REWRITTEN)
    assert "重写" in report.broken.message


def test_a_chain_that_grew_after_its_publication_passes(chain):
    published = audit_head_publish(tenant=chain)
    staff_make(chain)

    report = verify_chain(tenant=chain)

    assert report.ok
    assert report.count == published.count + 1
    assert report.published_count == published.count


def test_an_empty_batch_size_is_refused_rather_than_reporting_an_empty_chain(town_a):
    with pytest.raises(ValueError, match="batch_size"):
        verify_chain(tenant=town_a, batch_size=0)
