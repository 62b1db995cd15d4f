"""The tenant's configuration version (tenants/config.py): one row, bumped from the shared
sequence by a statement trigger on every table a cached configuration is read from. This
migration adds the row, the function and the triggers on this app's tables (duty rules and
posts); other apps add theirs."""

from django.db import migrations

FORWARD = """
CREATE TABLE config_version (id smallint PRIMARY KEY CHECK (id = 1), v bigint NOT NULL);
INSERT INTO config_version (id, v) VALUES (1, nextval('public.neikong_config_seq'));
CREATE FUNCTION neikong_config_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_version SET v = nextval('public.neikong_config_seq');
    RETURN NULL;
END
$$;
CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions_sodrule
    FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();
CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions_post
    FOR EACH STATEMENT EXECUTE FUNCTION neikong_config_touched();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS config_touched ON permissions_post;
DROP TRIGGER IF EXISTS config_touched ON permissions_sodrule;
DROP FUNCTION IF EXISTS neikong_config_touched();
DROP TABLE IF EXISTS config_version;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0006_user_refs_without_constraint"),
        ("tenants", "0005_config_versions"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
