"""The Neikong Django project (the design's "platform", renamed: `platform` is a stdlib module)."""

from county_platform.celery import app as celery_app

__all__ = ["celery_app"]
