"""Process definitions are cached (tenants/config.py): any change to them bumps the tenant's
configuration version."""

from django.db import migrations

TABLES = ("approvals_processdefinition", "approvals_processstep")
FORWARD = "".join(
    f"CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();\n" for table in TABLES)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS config_touched ON {table};\n" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_user_refs_without_constraint"),
        ("permissions", "0007_config_version"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
