"""The Label Studio bridge refuses comparison projects instead of pushing empty answers."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from curation.labelstudio.services import labelstudio_import, labelstudio_link_save


def test_link_and_import_refuse_a_comparison_project(comparison_project, admin):
    with pytest.raises(DomainError) as caught:
        labelstudio_link_save(
            project=comparison_project, url="http://ls.test", token="t", actor=admin
        )
    assert caught.value.code == "unsupported"
    with pytest.raises(DomainError):
        labelstudio_import(project=comparison_project, annotations=[], actor=admin)
