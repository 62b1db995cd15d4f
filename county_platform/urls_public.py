"""URLs on the bare BASE_DOMAIN: the platform operator's Django admin."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "内控平台运营管理"
admin.site.site_title = "内控平台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
