"""Expenditure rules (支出管理): payment methods, payees, splitting, standards."""

from apps.controls.rules.registry import Finding, Param, rule
from apps.expenditure.models import PaymentMethod


@rule(code="cash_over_limit", title="超过现金结算起点使用现金支付", area="expenditure",
      article="现金管理暂行条例第五条：结算起点以上应转账或使用公务卡",
      severity="block", trigger="payment.create", responsible_post="cashier",
      params={"limit": Param("1000.00", "现金结算起点（元）", kind="money", min="0",
                             max="1000")})
def cash_over_limit(event, params):
    amount = event.facts["amount"]
    if event.facts["method"] == PaymentMethod.CASH and amount > params["limit"]:
        return Finding(f"现金支付 ¥{amount} 超过结算起点 ¥{params['limit']}，"
                       "请改用转账或公务卡支付。")
    return None
