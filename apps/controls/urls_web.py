"""Alert pages (included under /alerts/ by county_platform/urls.py)."""

urlpatterns: list = []
