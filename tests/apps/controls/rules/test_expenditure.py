"""Expenditure rules: each fires on real data and stays quiet where there is nothing to say."""

import pytest
from django_tenants.utils import schema_context

from apps.expenditure.models import Payment
from apps.expenditure.services import payment_create
from county_platform.errors import DomainError
from tests.apps.controls.rules.helpers import office_make, request_approved

pytestmark = pytest.mark.django_db


def test_cash_over_limit_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1500.00")

        with pytest.raises(DomainError) as refused:
            payment_create(actor=people["cashier"], request_id=request.pk, amount="1500.00",
                           method="cash")

        assert (refused.value.code, refused.value.status) == ("cash_over_limit", 422)
        assert Payment.objects.filter(request=request).count() == 0


def test_cash_over_limit_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1500.00")

        payment_create(actor=people["cashier"], request_id=request.pk, amount="800.00",
                       method="cash")
        payment_create(actor=people["cashier"], request_id=request.pk, amount="700.00",
                       method="transfer")

        assert Payment.objects.filter(request=request).count() == 2
