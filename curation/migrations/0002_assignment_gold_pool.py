"""An index for the gold pool, so mixing gold items in never scans a large project."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS sample_gold_pool ON curation_sample (project_id, id) "
                "WHERE is_gold"
            ),
            reverse_sql="DROP INDEX IF EXISTS sample_gold_pool",
        ),
    ]
