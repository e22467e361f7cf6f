from django.contrib import admin

from .models import Cohort, CohortMembership, Physician, Specialty


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

    @admin.display(ordering="user__email")
    def email(self, obj):
        return obj.user.email


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
