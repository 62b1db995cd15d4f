"""The project's URLs plus `api/v1/bench/bare/`: a create endpoint of the submit's shape
(token auth, membership, a validated JSON body, one row written, a JSON answer)."""

from django.urls import include, path
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.expenditure.models import SpendingRequest
from county_platform.api.base import TenantAPIView


class BareInput(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    purpose = serializers.CharField(max_length=500)


class BareCreateApi(TenantAPIView):
    def post(self, request):
        data = BareInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = SpendingRequest.objects.create(
            applicant=request.user, indicator_id=data.validated_data["indicator"],
            amount=data.validated_data["amount"], purpose=data.validated_data["purpose"])
        return Response({"id": row.pk, "status": row.status}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("api/v1/bench/bare/", BareCreateApi.as_view()),
    path("", include("county_platform.urls")),
]
