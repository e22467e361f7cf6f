from django.db import migrations


def create_specialties(apps, schema_editor):
    from annotators.specialties import STANDARD_SPECIALTIES

    Specialty = apps.get_model("annotators", "Specialty")
    for code, name, board in STANDARD_SPECIALTIES:
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "board": board})


def remove_specialties(apps, schema_editor):
    from annotators.specialties import STANDARD_SPECIALTIES

    Specialty = apps.get_model("annotators", "Specialty")
    Specialty.objects.filter(code__in=[c for c, _, _ in STANDARD_SPECIALTIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("annotators", "0001_initial")]
    operations = [migrations.RunPython(create_specialties, remove_specialties)]
