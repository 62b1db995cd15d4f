"""The cashier's payment form: what the page accepts before `payment_create` decides."""

from decimal import Decimal

from django import forms

from apps.expenditure.models import PaymentMethod, SpendingRequest


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={"required": "请填写支付金额。",
                        "invalid": "支付金额请填数字，例如 1200.50。",
                        "min_value": "支付金额要大于 0。",
                        "max_decimal_places": "支付金额最多两位小数（到分）。",
                        "max_digits": "支付金额太大了，请核对。",
                        "max_whole_digits": "支付金额太大了，请核对。"})
    method = forms.ChoiceField(choices=PaymentMethod.choices,
                               error_messages={"required": "请选择支付方式。",
                                               "invalid_choice": "请选择支付方式。"})

    @classmethod
    def of(cls, spending: SpendingRequest) -> "PaymentForm":
        """The form for the unpaid remainder, by transfer."""
        return cls(initial={"amount": spending.amount - spending.paid_amount,
                            "method": PaymentMethod.TRANSFER})
