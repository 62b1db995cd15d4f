"""API routes (included under /api/v1/ by county_platform/api/urls.py)."""

urlpatterns: list = []
