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
