"""Django REST Framework and OpenAPI defaults: authenticated members only, one error format."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not logged in" a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["county_platform.api.permissions.IsTenantMember"],
    "DEFAULT_PAGINATION_CLASS": "county_platform.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "county_platform.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "20/min"},
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Neikong 内控 API",
    "DESCRIPTION": "The county internal-control platform. Every path is served on a tenant's host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page are for members, like every other path of a tenant (§14).
    "SERVE_PERMISSIONS": ["county_platform.api.permissions.IsTenantMember"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
