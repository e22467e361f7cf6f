"""Indexes of the console's sample browser (PostgreSQL only; SQLite scans, as the demo is small).

- an external id prefix search (`LIKE 'abc%'`) through `varchar_pattern_ops`;
- full-text search of the conversation: GIN over the expression `console.samples.question_vector`
  builds (keep the two identical, or the planner will not use the index);
- newest-first pages of the rare flags (quarantined, gold, went to adjudication) per project, as
  partial indexes: rows without the flag are not in them, so they cost the hot paths nothing.
"""

from django.db import migrations

INDEXES = {
    "sample_external_id_prefix": "(external_id varchar_pattern_ops)",
    "sample_question_fts": "USING gin (to_tsvector('english'::regconfig, "
    "COALESCE((messages)::text, '')))",
    "sample_quarantined_page": "(project_id, id) WHERE quarantined",
    "sample_gold_page": "(project_id, id) WHERE is_gold",
    "sample_disputed_page": "(project_id, id) "
    "WHERE status = 'adjudication' OR final_source = 'adjudication'",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON curation_sample {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("curation", "0011_agreementreport_heartbeat")]

    operations = [migrations.RunPython(create, drop)]
