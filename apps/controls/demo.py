"""Demo alerts for seed_demo: a split payment that the library catches, the nightly scan over
the seeded year, and alerts moved through every state of their life cycle."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.budget.demo import _decide_until, _holder
from apps.budget.models import BudgetIndicator
from apps.controls.models import Alert, AlertStatus
from apps.controls.rules.engine import rules_scan
from apps.controls.services import (
    alert_acknowledge,
    alert_close,
    alert_rectify,
    alert_reopen,
)
from apps.expenditure.models import SpendingRequest
from apps.expenditure.services import payment_create, request_create, request_submit
from permissions.models import PostCode
from tenants.models import User

SPLIT_PAYEE = "桐庐县兴达路桥养护有限公司"
SPLIT_ACCOUNT = "6217 0000 1234 5678"
SPLIT_AMOUNTS = (Decimal("19800"), Decimal("19600"), Decimal("18900"))


def _split_purchase(*, year: int) -> int:
    """Three road repairs paid to one contractor, each under the ¥50,000 that would bring in
    the principal, together well over it: what split_payments is for."""
    if SpendingRequest.objects.filter(payee_name=SPLIT_PAYEE).exists() or \
            _holder("handler") is None or _holder("cashier") is None:
        return 0
    indicator = BudgetIndicator.objects.filter(
        year=year, project__isnull=False, subject__code="30213").order_by("-amount").first()
    if indicator is None or indicator.available < sum(SPLIT_AMOUNTS):
        return 0
    applicant, cashier = _holder("handler"), _holder("cashier")
    for n, amount in enumerate(SPLIT_AMOUNTS, start=1):
        request = request_create(actor=applicant, amount=amount, indicator_id=indicator.pk,
                                 purpose=f"村道维修养护（第{n}段）", payee_name=SPLIT_PAYEE,
                                 payee_account=SPLIT_ACCOUNT)
        request = request_submit(actor=applicant, request_id=request.pk)
        _decide_until(request, stop_after=None)
        payment_create(actor=cashier, request_id=request.pk, amount=amount)
    return len(SPLIT_AMOUNTS)


def _handler(alert: Alert) -> User | None:
    return (alert.responsible_post and _holder(alert.responsible_post)) or \
        _holder(PostCode.TENANT_ADMIN)


def _walk(alerts: list[Alert], county_admin: User) -> dict[str, int]:
    """Leave one alert acknowledged, one rectified, one closed and one reopened."""
    moved = {"acknowledged": 0, "rectified": 0, "closed": 0, "reopened": 0}
    for target, alert in zip(moved, alerts, strict=False):
        handler = _handler(alert)
        if handler is None:
            continue
        alert_acknowledge(actor=handler, alert_id=alert.pk, note="已收到，正在核实。")
        if target != "acknowledged":
            alert_rectify(actor=handler, alert_id=alert.pk, attachment_ids=[],
                          note="已核实情况并整改：相关人员已作说明，今后按规定办理。")
        if target in ("closed", "reopened"):
            alert_close(actor=county_admin, alert_id=alert.pk, note="整改到位，予以关闭。")
        if target == "reopened":
            alert_reopen(actor=county_admin, alert_id=alert.pk,
                         note="抽查发现同类问题仍然存在，请重新整改。")
        moved[target] += 1
    return moved


@transaction.atomic
def alerts_seed(*, county_admin: User) -> dict[str, int]:
    """In the current township: the split purchase, the scan, and alerts in every state.
    Idempotent: a township whose alerts were already walked is left as it is."""
    today = timezone.localdate()
    split = _split_purchase(year=today.year)
    scan = rules_scan(today=today)
    counts = {"split_requests": split, "found": scan.findings}
    if Alert.objects.exclude(status=AlertStatus.OPEN).exists():
        return counts
    live = list(Alert.objects.filter(status=AlertStatus.OPEN, standing=False)
                .order_by("-severity", "id")[:4])
    counts.update(_walk(live, county_admin))
    # The walk is activity too (at night, say): scan once more so a second seed finds nothing.
    counts["found"] += rules_scan(today=today).findings
    return counts
