"""Django admin: pipeline tokens (created and revoked through the services, key shown once) and a
read-only view of exports."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from core.errors import DomainError

from .models import Export, PipelineToken
from .services import export_retry, pipeline_token_create, pipeline_token_revoke


class PipelineTokenForm(forms.ModelForm):
    class Meta:
        model = PipelineToken
        fields = ["name", "projects"]


@admin.register(PipelineToken)
class PipelineTokenAdmin(admin.ModelAdmin):
    form = PipelineTokenForm
    list_display = (
        "name",
        "prefix",
        "scope",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    filter_horizontal = ("projects",)
    actions = ["revoke"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("created_by").prefetch_related("projects")
        )

    @admin.display(description="Projects")
    def scope(self, token: PipelineToken) -> str:
        return ", ".join(p.slug for p in token.projects.all())

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "name",
            "projects",
            "prefix",
            "user",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "projects")
        return self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            token, key = pipeline_token_create(
                name=form.cleaned_data["name"],
                projects=list(form.cleaned_data["projects"]),
                actor=request.user,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = token.pk
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        self.message_user(
            request,
            f"Token “{token.name}” created. Copy its key now, it is not shown again: {key}",
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        """Projects were set by the service (and audited); nothing to save here."""

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff and obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        revoked = sum(pipeline_token_revoke(token=t, actor=request.user) for t in queryset)
        self.message_user(request, f"{revoked} token(s) revoked.")


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "row_count", "created_by", "created_at", "page")
    list_filter = ("status", "format", "file_format")
    search_fields = ("project__slug", "sha256")
    list_select_related = ("project", "created_by")
    actions = ["retry"]

    @admin.display(description="Progress and card")
    def page(self, export: Export) -> str:
        return format_html('<a href="{}">open</a>', reverse("export-detail", args=[export.pk]))

    def has_add_permission(self, request):
        return False  # exports are created on the exports page or over the API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed builds")
    def retry(self, request, queryset):
        done = 0
        for export in queryset.filter(status=Export.Status.FAILED):
            export_retry(export=export, actor=request.user)
            done += 1
        self.message_user(request, f"{done} build(s) queued again.")
