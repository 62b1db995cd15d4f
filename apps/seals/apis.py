"""Seal-use application endpoints: draft, submit into approval, withdraw, and the detail with
its approval steps (the same shape as a spending request's, DESIGN.md §11)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.approvals.apis import ApprovalOutput, approval_representation
from apps.approvals.selectors import approval_loaded
from apps.seals import selectors, services
from apps.seals.models import SealApplication, SealKind, SealStatus
from county_platform.api.base import TenantAPIView
from county_platform.api.pagination import DefaultPagination


class SealApplicationInput(serializers.Serializer):
    seal_kind = serializers.ChoiceField(choices=SealKind.choices)
    document_title = serializers.CharField(max_length=200)
    purpose = serializers.CharField(max_length=500)
    copies = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)


class SealApplicationOutput(serializers.ModelSerializer):
    seal_kind_name = serializers.CharField(source="get_seal_kind_display")
    status_name = serializers.CharField(source="get_status_display")
    applicant = serializers.CharField(source="applicant.username")
    applicant_name = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", allow_null=True,
                                            default=None)

    class Meta:
        model = SealApplication
        fields = ["id", "seal_kind", "seal_kind_name", "document_title", "purpose", "copies",
                  "status", "status_name", "applicant", "applicant_name", "department",
                  "department_name", "approval", "created_at"]

    def get_applicant_name(self, application: SealApplication) -> str:
        return application.applicant.display_name or application.applicant.username


class SealApplicationDetailOutput(SealApplicationOutput):
    approval = serializers.SerializerMethodField()

    class Meta(SealApplicationOutput.Meta):
        pass

    @extend_schema_field(ApprovalOutput(allow_null=True))
    def get_approval(self, application: SealApplication) -> dict | None:
        if application.approval_id is None:
            return None
        return approval_representation(approval_loaded(approval_id=application.approval_id))


class SealApplicationsQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=SealStatus.choices, required=False)
    mine = serializers.BooleanField(required=False, default=False)


class SealApplicationsApi(TenantAPIView):
    """Seal-use applications the caller may see (own ones, ones they approve; all of them
    for the seal keeper and those who oversee approvals); any member drafts one."""

    @extend_schema(parameters=[SealApplicationsQuery],
                   responses={200: SealApplicationOutput(many=True)})
    def get(self, request):
        query = SealApplicationsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        applications = selectors.seal_applications_list(
            user=request.user, membership=self.membership, **query.validated_data
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(applications, request, view=self)
        return paginator.get_paginated_response(SealApplicationOutput(page, many=True).data)

    @extend_schema(request=SealApplicationInput, responses={201: SealApplicationDetailOutput})
    def post(self, request):
        data = SealApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.seal_application_create(actor=request.user,
                                                       **data.validated_data)
        return Response(_detail(request, self.membership, application.pk),
                        status=status.HTTP_201_CREATED)


def _detail(request, membership, pk: int) -> dict:
    application = selectors.seal_application_get_for(
        user=request.user, membership=membership, application_id=pk
    )
    return SealApplicationDetailOutput(application).data


class SealApplicationDetailApi(TenantAPIView):
    """One application with its approval: steps, who decided, when, how long each took."""

    @extend_schema(responses={200: SealApplicationDetailOutput})
    def get(self, request, pk: int):
        return Response(_detail(request, self.membership, pk))


class SealApplicationSubmitApi(TenantAPIView):
    """The applicant submits a draft (or a returned application) into approval."""

    @extend_schema(request=None, responses={200: SealApplicationDetailOutput})
    def post(self, request, pk: int):
        selectors.seal_application_get_for(user=request.user, membership=self.membership,
                                           application_id=pk)
        services.seal_application_submit(actor=request.user, application_id=pk)
        return Response(_detail(request, self.membership, pk))


class SealApplicationWithdrawApi(TenantAPIView):
    """The applicant takes the application back while nobody has decided on it."""

    @extend_schema(request=None, responses={200: SealApplicationDetailOutput})
    def post(self, request, pk: int):
        selectors.seal_application_get_for(user=request.user, membership=self.membership,
                                           application_id=pk)
        services.seal_application_withdraw(actor=request.user, application_id=pk)
        return Response(_detail(request, self.membership, pk))
