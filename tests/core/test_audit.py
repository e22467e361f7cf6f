import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.audit import audit_record
from core.models import AuditEvent


@pytest.mark.django_db
def test_audit_event_cannot_be_changed_through_the_orm(admin):
    event = audit_record(actor=admin, action="project.create", object_type="x", object_id=1)
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db
def test_database_refuses_update_and_delete_of_audit_rows(admin):
    event = audit_record(actor=admin, action="project.create", object_type="x", object_id=1)
    for sql in (
        "UPDATE core_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "project.create"
