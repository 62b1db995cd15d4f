"""County parameters (the 三重一大 amount, …) are cached (tenants/config.py): a change bumps
that county's configuration version."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER county_config_touched AFTER INSERT OR UPDATE OR DELETE ON catalog_countyparameter
    FOR EACH ROW EXECUTE FUNCTION neikong_county_config_touched();
"""
BACKWARD = "DROP TRIGGER IF EXISTS county_config_touched ON catalog_countyparameter;"


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("tenants", "0005_config_versions"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
