from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect

from .models import ApiToken, AuditEvent, OutboxMessage

User = get_user_model()
KEEP_HISTORY = (
    "{who} has audit history and cannot be deleted: the trail must keep naming who did what. "
    'Deactivate the account instead (untick "Active" on its page).'
)


def _with_history(user_ids) -> list:
    ids = AuditEvent.objects.filter(actor_id__in=list(user_ids)).values("actor_id").distinct()
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


class RoundsUserAdmin(UserAdmin):
    """Django's user admin, except that a user the audit trail names is deactivated, not deleted.

    Deleting would null the trail's actor, which the append-only table refuses (a 500 before).
    """

    def delete_view(self, request, object_id, extra_context=None):
        kept = _with_history([object_id]) if str(object_id).isdigit() else []
        if kept:
            self.message_user(request, KEEP_HISTORY.format(who=kept[0]), messages.ERROR)
            return redirect("admin:auth_user_change", kept[0].pk)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            description = actions["delete_selected"][2]
            actions["delete_selected"] = (_delete_selected, "delete_selected", description)
        return actions


def _delete_selected(modeladmin, request, queryset):
    """The bulk delete, refused as a whole when any selected user has audit history."""
    kept = _with_history(queryset.values_list("pk", flat=True))
    if kept:
        who = ", ".join(str(user) for user in kept)
        modeladmin.message_user(request, KEEP_HISTORY.format(who=who), messages.ERROR)
        return None
    return delete_selected(modeladmin, request, queryset)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RoundsUserAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_repr", "object_id", "action")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__email", "prefix")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Jobs waiting for the broker: what is queued, since when, and why it has not gone out."""

    list_display = ("task", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "task")
    search_fields = ("task", "last_error")
    readonly_fields = ("task", "args", "kwargs", "created_at", "sent_at", "attempts", "last_error")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
