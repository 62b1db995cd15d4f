"""Users are deactivated, never deleted: tenant tables reference them without a database
constraint across schemas (county_platform.db.user_ref), so the database refuses DELETE."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION users_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'users are never deleted (deactivate them): % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER users_no_delete BEFORE DELETE ON tenants_user
    FOR EACH ROW EXECUTE FUNCTION users_refuse_delete();
CREATE TRIGGER users_no_truncate BEFORE TRUNCATE ON tenants_user
    FOR EACH STATEMENT EXECUTE FUNCTION users_refuse_delete();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS users_no_truncate ON tenants_user;
DROP TRIGGER IF EXISTS users_no_delete ON tenants_user;
DROP FUNCTION IF EXISTS users_refuse_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_inspectors")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
