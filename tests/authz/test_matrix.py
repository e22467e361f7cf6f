"""The authorization matrix: every route x every method x every role, against its expectation.

A route added without an entry in `matrix.EXPECTED` fails `test_every_route_is_in_the_matrix`, so
no endpoint ships without someone deciding who may call it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.authz.matrix import EXPECTED, ROLE_ORDER, expected_status
from tests.authz.routes import project_routes
from tests.authz.world import METHODS, ROLES, build_world

ROUTES = {route.name: route for route in project_routes()}


def test_the_matrix_speaks_of_every_role():
    assert ROLE_ORDER == ROLES


def test_every_route_is_in_the_matrix():
    missing = sorted(set(ROUTES) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(ROUTES))
    assert not missing, f"routes with no authorization entry: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_role_as_the_matrix_says(name):
    world = build_world()
    route = ROUTES[name]
    clients = {role: world.client_for(role) for role in ROLES}
    wrong = []
    for method in METHODS:
        for role in ROLES:
            url = reverse(name, kwargs=world.kwargs_for(name, route.kwargs, role))
            response = clients[role].generic(
                method, url, data="{}", content_type="application/json"
            )
            want = expected_status(name, method, role)
            if response.status_code != want:
                wrong.append(f"{method} {url} as {role}: {response.status_code}, expected {want}")
            assert response.status_code < 500, f"{method} {url} as {role} crashed"
    assert not wrong, "\n".join(wrong)
