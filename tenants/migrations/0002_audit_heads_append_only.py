"""Published audit heads are evidence: the database refuses to change or remove them."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION audit_head_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published audit heads are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_head_no_update_delete
    BEFORE UPDATE OR DELETE ON tenants_auditheadpublication
    FOR EACH ROW EXECUTE FUNCTION audit_head_refuse_change();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON tenants_auditheadpublication
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_head_no_truncate ON tenants_auditheadpublication;
DROP TRIGGER IF EXISTS audit_head_no_update_delete ON tenants_auditheadpublication;
DROP FUNCTION IF EXISTS audit_head_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
