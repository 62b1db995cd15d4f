"""The budget's reference data read on every submission — economic subjects, projects with
their allowed subjects, fund accounts — is cached with the tenant's configuration
(`apps.budget.reference`, tenants/config.py): any change to those tables bumps the version."""

from django.db import migrations

TABLES = ("budget_economicsubject", "budget_budgetproject",
          "budget_budgetproject_allowed_subjects", "budget_fundaccount")
FORWARD = "".join(
    f"CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();\n" for table in TABLES)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS config_touched ON {table};\n" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [("budget", "0006_config_touched")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
