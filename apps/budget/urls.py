"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

from django.urls import path

from apps.budget import apis

urlpatterns = [
    path("fund-accounts/", apis.FundAccountsApi.as_view(), name="fund-accounts"),
    path("subjects/", apis.SubjectsApi.as_view(), name="subjects"),
    path("budget/projects/", apis.ProjectsApi.as_view(), name="budget-projects"),
    path("budget/projects/<int:pk>/officer/", apis.ProjectOfficerApi.as_view(),
         name="budget-project-officer"),
    path("budget/indicators/", apis.IndicatorsApi.as_view(), name="budget-indicators"),
    path("budget/indicators/<int:pk>/", apis.IndicatorDetailApi.as_view(),
         name="budget-indicator"),
    path("budget/indicators/import/", apis.IndicatorImportApi.as_view(),
         name="budget-indicators-import"),
    path("budget/indicators/import-template/", apis.IndicatorImportTemplateApi.as_view(),
         name="budget-indicators-import-template"),
    path("budget/department-limits/", apis.DepartmentLimitsApi.as_view(),
         name="budget-department-limits"),
    path("budget/subject-totals/", apis.SubjectTotalsApi.as_view(),
         name="budget-subject-totals"),
    path("budget/adjustments/", apis.AdjustmentsApi.as_view(), name="budget-adjustments"),
    path("budget/adjustments/<int:pk>/", apis.AdjustmentDetailApi.as_view(),
         name="budget-adjustment"),
    path("budget/adjustments/<int:pk>/submit/",
         apis.AdjustmentActionApi.as_view(operation="submit"), name="budget-adjustment-submit"),
    path("budget/adjustments/<int:pk>/withdraw/",
         apis.AdjustmentActionApi.as_view(operation="withdraw"),
         name="budget-adjustment-withdraw"),
    path("budget/execution/", apis.ExecutionApi.as_view(), name="budget-execution"),
    path("budget/sangong/", apis.SangongApi.as_view(), name="budget-sangong"),
    path("budget/tables/budget/", apis.BudgetTableApi.as_view(), name="budget-table"),
    path("budget/tables/final-account/", apis.FinalAccountTableApi.as_view(),
         name="budget-final-account"),
    path("revenues/", apis.RevenuesApi.as_view(), name="revenues"),
    path("revenues/<int:pk>/", apis.RevenueDetailApi.as_view(), name="revenue"),
    path("revenues/<int:pk>/submit/", apis.RevenueActionApi.as_view(operation="submit"),
         name="revenue-submit"),
    path("revenues/<int:pk>/withdraw/", apis.RevenueActionApi.as_view(operation="withdraw"),
         name="revenue-withdraw"),
]
