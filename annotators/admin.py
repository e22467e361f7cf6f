from django.contrib import admin, messages
from django.urls import path, reverse

from annotators.csv_import import physicians_import
from annotators.services import physician_reinstate, physician_suspend, physician_verify
from core.errors import DomainError

from .forms import PhysicianActionForm
from .models import Cohort, CohortMembership, Physician, Specialty
from .views import admin_upload_view


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "board")
    search_fields = ("code", "name", "board")


class MembershipInline(admin.TabularInline):
    model = CohortMembership
    extra = 0
    autocomplete_fields = ("physician",)


@admin.register(Physician)
class PhysicianAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "email",
        "status",
        "verification",
        "licence_jurisdiction",
        "licence_number",
        "is_model",
    )
    list_filter = ("status", "verification", "is_model", "specialties", "cohorts")
    search_fields = ("user__email", "user__first_name", "user__last_name", "licence_number")
    filter_horizontal = ("specialties",)
    readonly_fields = ("verified_by", "verified_at", "created_at")
    list_select_related = ("user",)
    # The CSV import page and the verify / suspend / reinstate actions (all through services).
    change_list_template = "admin/rounds/change_list_upload.html"
    upload_label = "Import physicians CSV"
    action_form = PhysicianActionForm
    actions = ("verify_selected", "suspend_selected", "reinstate_selected")

    @admin.display(ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="annotators_physician_upload"), *super().get_urls()]

    def import_view(self, request):
        def handle(upload, user):
            result = physicians_import(source=upload.file, actor=user, filename=upload.name)
            return f"Physicians: {result.summary()}", reverse(
                "admin:annotators_physician_changelist"
            )

        return admin_upload_view(
            self,
            request,
            title="Import physicians CSV",
            handle=handle,
            help_text="Header: email,name,specialties,licence_number,jurisdiction,cohort,role. "
            "Specialty codes are separated by ';'. New physicians get an invitation e-mail; "
            "nothing is written unless every row is valid.",
        )

    def _apply(self, request, queryset, service, verb: str, **kwargs) -> None:
        done = 0
        for physician in queryset.select_related("user"):
            try:
                service(physician=physician, actor=request.user, **kwargs)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Skipped {physician.user.email}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} physician(s).", messages.SUCCESS)

    @admin.action(description="Verify licence of selected physicians", permissions=["change"])
    def verify_selected(self, request, queryset):
        note = request.POST.get("note", "").strip() or "Verified in the admin"
        self._apply(request, queryset, physician_verify, "Verified", note=note)

    @admin.action(description="Suspend selected physicians (give a reason)", permissions=["change"])
    def suspend_selected(self, request, queryset):
        reason = request.POST.get("note", "")
        self._apply(request, queryset, physician_suspend, "Suspended", reason=reason)

    @admin.action(description="Reinstate selected physicians", permissions=["change"])
    def reinstate_selected(self, request, queryset):
        note = request.POST.get("note", "").strip()
        self._apply(request, queryset, physician_reinstate, "Reinstated", note=note)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "archived", "created_at")
    list_filter = ("archived",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(CohortMembership)
class CohortMembershipAdmin(admin.ModelAdmin):
    list_display = ("cohort", "physician", "role", "joined_at")
    list_filter = ("role", "cohort")
    search_fields = ("physician__user__email", "cohort__name")
    list_select_related = ("cohort", "physician__user")
