"""The rules in force are cached (tenants/config.py): a change to a county's rule library
bumps that county's configuration version."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER county_config_touched AFTER INSERT OR UPDATE OR DELETE ON rule_library_countyrule
    FOR EACH ROW EXECUTE FUNCTION neikong_county_config_touched();
"""
BACKWARD = "DROP TRIGGER IF EXISTS county_config_touched ON rule_library_countyrule;"


class Migration(migrations.Migration):
    dependencies = [
        ("rule_library", "0001_initial"),
        ("tenants", "0005_config_versions"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
