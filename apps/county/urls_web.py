"""Web pages of the county view (included under /county/ by county_platform/urls.py)."""

urlpatterns: list = []
