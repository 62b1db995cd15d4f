"""The rules in force are cached (tenants/config.py): a township's tuning of a rule bumps its
configuration version."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON controls_ruletuning
    FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();
"""
BACKWARD = "DROP TRIGGER IF EXISTS config_touched ON controls_ruletuning;"


class Migration(migrations.Migration):
    dependencies = [
        ("controls", "0002_alert_acknowledged_at_alert_acknowledged_by_and_more"),
        ("permissions", "0007_config_version"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
