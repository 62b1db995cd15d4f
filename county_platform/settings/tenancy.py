"""django-tenants: one schema per township, one for the county, the public schema for the rest."""

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# Set search_path once per connection and schema change rather than on every cursor.
TENANT_LIMIT_SET_CALLS = True
# Our executor skips schemas that are already current and migrates the rest in parallel.
GET_EXECUTOR_FUNCTION = "tenants.migration.get_executor"
TENANT_MULTIPROCESSING_MAX_PROCESSES = 4
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
