"""API routes (included under /api/v1/county/ by county_platform/api/urls.py)."""

urlpatterns: list = []
