"""Who holds which post today is cached with the tenant's configuration (tenants/config.py,
`permissions.selectors.post_holders`): any write to the assignments or to the staff (a member
deactivated) bumps the version, as for the posts and duty rules (0007)."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON permissions_postassignment FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();
CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON permissions_staffmember FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS config_touched ON permissions_staffmember;
DROP TRIGGER IF EXISTS config_touched ON permissions_postassignment;
"""


class Migration(migrations.Migration):
    dependencies = [("permissions", "0007_config_version")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
