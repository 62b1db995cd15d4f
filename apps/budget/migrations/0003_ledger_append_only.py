"""The indicator ledger is append-only in the database itself."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION budget_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the budget ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER budget_ledger_no_update_delete
    BEFORE UPDATE OR DELETE ON budget_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION budget_ledger_refuse_change();
CREATE TRIGGER budget_ledger_no_truncate
    BEFORE TRUNCATE ON budget_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION budget_ledger_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS budget_ledger_no_truncate ON budget_ledgerentry;
DROP TRIGGER IF EXISTS budget_ledger_no_update_delete ON budget_ledgerentry;
DROP FUNCTION IF EXISTS budget_ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("budget", "0002_economic_subjects")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
