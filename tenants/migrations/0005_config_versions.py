"""Configuration versions (tenants/config.py): one sequence for every bump, and each county's
version, bumped by a trigger whenever its rule library or its parameters change. A cached
configuration is keyed by these numbers, so no write path can leave a stale one in use."""

from django.db import migrations

FORWARD = """
CREATE SEQUENCE neikong_config_seq;
CREATE TABLE county_config_version (county_id bigint PRIMARY KEY, v bigint NOT NULL);
CREATE FUNCTION neikong_county_config_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.county_config_version AS version (county_id, v)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.county_id ELSE NEW.county_id END,
            nextval('public.neikong_config_seq'))
    ON CONFLICT (county_id) DO UPDATE SET v = EXCLUDED.v;
    RETURN NULL;
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS neikong_county_config_touched() CASCADE;
DROP TABLE IF EXISTS county_config_version;
DROP SEQUENCE IF EXISTS neikong_config_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_users_are_never_deleted")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
