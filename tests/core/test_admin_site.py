"""Every model is in the Django admin, and each list page answers with search and filters on."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OUR_APPS = {"core", "annotators", "curation", "exports"}


def test_every_model_of_ours_is_registered_in_the_admin():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        and not model._meta.auto_created
        and model not in admin.site._registry
    ]
    assert not missing, f"models without an admin: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in OUR_APPS],
    ids=lambda m: m._meta.label,
)
def test_admin_list_page_answers_with_a_search(client, admin, model):
    client.force_login(admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    model_admin = admin_site_entry(model)
    query = "?q=cardio" if model_admin.search_fields else ""
    response = client.get(url + query)
    assert response.status_code == 200


def admin_site_entry(model):
    return admin.site._registry[model]


@pytest.mark.django_db
def test_deleting_a_user_with_audit_history_is_refused_with_a_message(client, admin):
    from django.contrib.auth import get_user_model

    from core.audit import audit_record
    from tests.factories import UserFactory

    doctor = UserFactory(username="dora@rounds.test")
    audit_record(actor=doctor, action="review.submit", object_type="review", object_id=1)
    client.force_login(admin)
    url = reverse("admin:auth_user_delete", args=[doctor.pk])

    page = client.get(url, follow=True)
    assert page.status_code == 200
    assert "deactivate" in page.content.decode().lower()
    posted = client.post(url, {"post": "yes"}, follow=True)
    assert posted.status_code == 200
    assert "has audit history" in posted.content.decode()
    assert get_user_model().objects.filter(pk=doctor.pk).exists()

    bulk = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [doctor.pk], "post": "yes"},
        follow=True,
    )
    assert bulk.status_code == 200
    assert "has audit history" in bulk.content.decode()
    assert get_user_model().objects.filter(pk=doctor.pk).exists()


@pytest.mark.django_db
def test_a_user_without_audit_history_can_still_be_deleted(client, admin):
    from django.contrib.auth import get_user_model

    from tests.factories import UserFactory

    stray = UserFactory(username="typo@rounds.test")
    client.force_login(admin)
    response = client.post(reverse("admin:auth_user_delete", args=[stray.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=stray.pk).exists()
