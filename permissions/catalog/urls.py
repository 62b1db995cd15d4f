"""The county's duty-template routes (included under /api/v1/county/)."""

from django.urls import path

from permissions.catalog import apis

urlpatterns = [
    path("templates/posts/", apis.CountyPostsApi.as_view(), name="county-template-posts"),
    path("templates/posts/<slug:code>/", apis.CountyPostDetailApi.as_view(),
         name="county-template-post"),
    path("templates/role-matrix/", apis.CountyRoleMatrixApi.as_view(),
         name="county-template-role-matrix"),
    path("templates/role-matrix/<int:pk>/", apis.CountyRoleStepDetailApi.as_view(),
         name="county-template-role-step"),
    path("templates/sod-rules/", apis.CountySodRulesApi.as_view(),
         name="county-template-sod-rules"),
    path("templates/sod-rules/<slug:code>/", apis.CountySodRuleDetailApi.as_view(),
         name="county-template-sod-rule"),
    path("templates/parameters/", apis.CountyParametersApi.as_view(),
         name="county-template-parameters"),
    path("templates/parameters/<slug:code>/", apis.CountyParameterDetailApi.as_view(),
         name="county-template-parameter"),
    path("templates/versions/", apis.CountyTemplateVersionsApi.as_view(),
         name="county-template-versions"),
    path("templates/publish/", apis.CountyTemplatePublishApi.as_view(),
         name="county-template-publish"),
]
