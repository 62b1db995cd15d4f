"""WSGI entry point (django-tenants is not async-safe: serve with WSGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_platform.settings.production")
application = get_wsgi_application()
