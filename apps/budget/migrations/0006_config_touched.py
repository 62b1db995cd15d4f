"""Which department limits and subject totals exist is cached (tenants/config.py): a
submission reads (and locks) only the caps that apply to it. Any change to them bumps the
tenant's configuration version."""

from django.db import migrations

TABLES = ("budget_departmentlimit", "budget_subjecttotal")
FORWARD = "".join(
    f"CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();\n" for table in TABLES)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS config_touched ON {table};\n" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0005_user_refs_without_constraint"),
        ("permissions", "0007_config_version"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
