"""Routes of this app (included by county_platform/urls.py or county_platform/api/urls.py)."""

urlpatterns: list = []
