"""Reviews store their grades as category codes too; PostgreSQL drops codes that go stale.

`Review.save()` recomputes the codes whenever the grades or verdict are saved. An UPDATE that
changes the grades or verdict without also writing the codes (a queryset update, a manual fix
in SQL) has its codes cleared by a trigger, so the agreement job reads that review from its JSON
instead: stale codes can never reach a statistic.
"""

from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION curation_review_codes_stale() RETURNS trigger AS $$
BEGIN
    IF (NEW.grades IS DISTINCT FROM OLD.grades OR NEW.verdict IS DISTINCT FROM OLD.verdict)
       AND NEW.grade_codes IS NOT DISTINCT FROM OLD.grade_codes THEN
        NEW.grade_codes := NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER curation_review_codes_stale
    BEFORE UPDATE OF grades, verdict ON curation_review
    FOR EACH ROW EXECUTE FUNCTION curation_review_codes_stale();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS curation_review_codes_stale ON curation_review;
DROP FUNCTION IF EXISTS curation_review_codes_stale();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("curation", "0006_consensus_digest")]

    operations = [
        migrations.AddField(
            model_name="review",
            name="grade_codes",
            field=models.BinaryField(
                blank=True,
                editable=False,
                help_text="The grades and verdict as int16 category codes in rubric order, for "
                "the agreement job; recomputed whenever the grades or verdict are saved.",
                null=True,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
