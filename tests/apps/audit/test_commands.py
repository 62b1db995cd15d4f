"""verify_audit names every kind of tampering; publish_audit_heads publishes on demand."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django_tenants.utils import schema_context

from apps.audit.services import audit_head_publish
from tenants.models import AuditHeadPublication
from tests.apps.audit import tampering
from tests.apps.audit.conftest import head_of

pytestmark = pytest.mark.django_db


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def _alter(tenant):
    tampering.event_alter(seq=5)
    return 5, "altered"


def _remove(tenant):
    tampering.event_remove(seq=4)
    return 4, "gap"


def _reorder(tenant):
    tampering.events_swap(seq_a=3, seq_b=6)
    return 3, "broken_link"


def _cut_tail(tenant):
    audit_head_publish(tenant=tenant)
    tampering.tail_cut(keep=6)
    return 7, "tail_cut"


def _rewrite(tenant):
    published = audit_head_publish(tenant=tenant)
    tampering.chain_rewrite(keep=6, count=published.count + 1)
    return published.count, "rewritten"


@pytest.mark.parametrize(
    "tamper",
    [_alter, _remove, _reorder, _cut_tail, _rewrite],
    ids=["altered", "removed", "reordered", "tail_cut", "rewritten"],
)
def test_verify_audit_names_tenant_seq_and_reason_of_the_first_broken_event(chain, tamper):
    with schema_context(chain.schema_name):
        seq, reason = tamper(chain)
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", stdout=out)

    assert str(failed.value) == f"审计链损坏：town-a 第 {seq} 条（{reason}）"
    assert f"town-a（甲镇） 损坏：第 {seq} 条 [{reason}]" in out.getvalue()
    assert "cty（测试县） 完好" in out.getvalue()
    assert "1 个损坏" in out.getvalue()


def test_verify_audit_passes_sound_chains_and_can_run_again(chain):
    audit_head_publish(tenant=chain)

    first = _run("verify_audit")
    second = _run("verify_audit", "--batch-size", "2")

    assert "town-a（甲镇） 完好" in first
    assert f"{head_of(chain).count} 条事件" in first
    assert "0 个损坏" in first
    assert second == first


def test_verify_audit_for_one_tenant_leaves_the_others_alone(chain, town_b):
    with schema_context(town_b.schema_name):
        tampering.event_alter(seq=1)

    out = _run("verify_audit", "--tenant", "town-a")

    assert "town-a（甲镇） 完好" in out
    assert "town-b" not in out
    assert "共校验 1 个租户" in out
    with pytest.raises(CommandError, match="town-b 第 1 条（altered）"):
        call_command("verify_audit", "--tenant", "town-b", stdout=StringIO())


def test_verify_audit_refuses_an_unknown_tenant():
    with pytest.raises(CommandError, match="没有标识为 nowhere 的租户"):
        call_command("verify_audit", "--tenant", "nowhere", stdout=StringIO())


@pytest.mark.parametrize("name", ["verify_audit", "publish_audit_heads"])
def test_commands_explain_themselves(name):
    parser = load_command_class("apps.audit", name).create_parser("manage.py", name)

    assert "--tenant" in parser.format_help()


def test_publish_audit_heads_publishes_one_tenant_or_all(chain, county):
    one = _run("publish_audit_heads", "--tenant", "town-a")
    everyone = _run("publish_audit_heads")

    assert f"town-a：已发布 {head_of(chain).count} 条" in one
    assert AuditHeadPublication.objects.filter(tenant=chain).count() == 2
    assert AuditHeadPublication.objects.filter(tenant=county).count() == 1
    assert "拒绝 0 个" in everyone


def test_publish_audit_heads_refuses_a_cut_chain(chain):
    published = audit_head_publish(tenant=chain)
    with schema_context(chain.schema_name):
        tampering.tail_cut(keep=3)

    with pytest.raises(CommandError, match="town-a"):
        call_command("publish_audit_heads", "--tenant", "town-a", stdout=StringIO())

    assert list(AuditHeadPublication.objects.filter(tenant=chain)) == [published]


def test_publish_audit_heads_refuses_an_unknown_tenant():
    with pytest.raises(CommandError, match="没有标识为 nowhere 的租户"):
        call_command("publish_audit_heads", "--tenant", "nowhere", stdout=StringIO())


def test_verify_audit_refuses_a_batch_size_that_would_read_nothing():
    with pytest.raises(CommandError, match="正整数"):
        call_command("verify_audit", "--batch-size", "0", stdout=StringIO())
