import pytest

from annotators.models import Specialty


@pytest.mark.django_db
def test_fresh_database_knows_the_standard_specialties():
    codes = set(Specialty.objects.values_list("code", flat=True))
    assert {"cardiology", "neurology", "pediatrics", "emergency-medicine", "psychiatry"} <= codes
    assert Specialty.objects.count() >= 30
