"""A built export never changes: PostgreSQL refuses any UPDATE of a row whose status is done."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION exports_export_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'done' THEN
        RAISE EXCEPTION 'export % is built and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS exports_export_frozen ON exports_export;
CREATE TRIGGER exports_export_frozen BEFORE UPDATE ON exports_export
    FOR EACH ROW EXECUTE FUNCTION exports_export_frozen();
"""
DROP = """
DROP TRIGGER IF EXISTS exports_export_frozen ON exports_export;
DROP FUNCTION IF EXISTS exports_export_frozen();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_exports_and_tokens")]

    operations = [migrations.RunPython(forwards, backwards)]
