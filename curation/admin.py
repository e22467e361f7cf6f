from django.contrib import admin
from django.shortcuts import redirect

from .models import (
    Assignment,
    Criterion,
    Project,
    Review,
    ReviewDraft,
    ReviewRevision,
    Rubric,
    Sample,
)
from .models.agreement import Adjudication, AgreementReport, ConsensusLabel
from .models.comparison import Comparison, ComparisonOrder, SampleResponse
from .models.labelstudio import LabelStudioTask


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("name", "family", "version", "created_at")
    search_fields = ("name", "family")
    inlines = [CriterionInline]

    def get_readonly_fields(self, request, obj=None):
        # A rubric with reviews is frozen: changes go into a new version via load_project.
        if obj is not None and obj.is_frozen:
            return [f.name for f in obj._meta.fields]
        return ()

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.is_frozen:
            for inline in inlines:
                inline.can_delete = False
                inline.max_num = 0
                inline.readonly_fields = [f.name for f in Criterion._meta.fields]
        return inlines


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "overlap", "rubric", "specialty_match", "gold_rate")
    list_filter = ("status", "specialty_match")
    search_fields = ("name", "slug")
    filter_horizontal = ("cohorts", "admins")
    actions = ["import_samples_action", "import_reviews_action"]
    # "Load project file": the same service as `manage.py load_project`.
    change_list_template = "admin/rounds/change_list_upload.html"
    upload_label = "Load project file"

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view(self.load_view)
        into = self.admin_site.admin_view(self.import_into_view)
        return [
            path("load/", view, name="curation_project_upload"),
            path(
                "<int:project_id>/import/<str:kind>/",
                into,
                name="curation_project_import_into",
            ),
            *super().get_urls(),
        ]

    @admin.action(description="Import samples into the selected project…")
    def import_samples_action(self, request, queryset):
        return self._import_into_one(request, queryset, "samples")

    @admin.action(description="Import historical reviews into the selected project…")
    def import_reviews_action(self, request, queryset):
        return self._import_into_one(request, queryset, "reviews")

    def _import_into_one(self, request, queryset, kind: str):
        from django.urls import reverse

        if queryset.count() != 1:
            self.message_user(request, "Select exactly one project to import into.", "error")
            return None
        url = reverse("admin:curation_project_import_into", args=[queryset.get().pk, kind])
        return redirect(url)

    def import_into_view(self, request, project_id: int, kind: str):
        """Samples or reviews uploaded into one project, through the import services."""
        from django.http import Http404
        from django.urls import reverse

        from annotators.views import admin_upload_view
        from curation.intake.review_import import reviews_import
        from curation.intake.services import samples_import

        project = Project.objects.filter(pk=project_id).first()
        if project is None or kind not in ("samples", "reviews"):
            raise Http404("No such project or import.")
        service = samples_import if kind == "samples" else reviews_import

        def handle(upload, user):
            result = service(project=project, source=upload, actor=user, filename=upload.name)
            return result.summary(), reverse("admin:curation_project_change", args=[project.pk])

        help_text = (
            "Samples: JSONL, a JSON array, CSV, a Label Studio export or chat JSONL."
            if kind == "samples"
            else "Reviews JSONL: sample_id, physician, grades, verdict, correction, rationale."
        )
        return admin_upload_view(
            self,
            request,
            title=f"Import {kind} into {project.name}",
            handle=handle,
            help_text=help_text + " Nothing is written unless the whole file is valid.",
        )

    def load_view(self, request):
        from django.urls import reverse

        from annotators.views import admin_upload_view
        from curation.projects.services import project_load

        def handle(upload, user):
            result = project_load(data=upload.read(), actor=user, filename=upload.name)
            url = reverse("admin:curation_project_change", args=[result.project.pk])
            return result.summary(), url

        return admin_upload_view(
            self,
            request,
            title="Load project file",
            handle=handle,
            help_text="A YAML or JSON project file: slug, name, guidelines, overlap, cohorts and "
            "the rubric. A changed rubric that already has reviews becomes a new version.",
        )


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "project",
        "specialty",
        "status",
        "reviews_done",
        "is_gold",
        "quarantined",
        "created_at",
    )
    list_filter = ("project", "status", "specialty", "is_gold", "quarantined")
    search_fields = ("external_id", "content_hash")
    list_select_related = ("project", "specialty")
    # Status, quarantine and slots change only through the lifecycle (the actions below).
    readonly_fields = (
        "content_hash",
        "status",
        "slots_open",
        "reviews_done",
        "quarantined",
        "quarantine_reasons",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
    actions = ["quarantine_samples", "release_from_quarantine", "redact_identifiers"]

    @admin.action(description="Quarantine (may hold patient identifiers; withdrawn from reviewers)")
    def quarantine_samples(self, request, queryset):
        from .reviewing.lifecycle import sample_quarantine

        samples = list(queryset.filter(quarantined=False))
        reasons = [{"kind": "manual", "field": "sample"}]
        for sample in samples:
            sample_quarantine(sample=sample, actor=request.user, reasons=reasons)
        self.message_user(request, f"{len(samples)} sample(s) quarantined.")

    @admin.action(description="Release from quarantine (reviewed: no patient identifiers)")
    def release_from_quarantine(self, request, queryset):
        from curation.reviewing.lifecycle import sample_release

        samples = list(queryset.filter(quarantined=True))
        for sample in samples:
            sample_release(sample=sample, actor=request.user, note="Released in the admin.")
        self.message_user(request, f"{len(samples)} sample(s) released from quarantine.")

    @admin.action(description="Redact detected identifiers (released if none remain)")
    def redact_identifiers(self, request, queryset):
        from curation.intake.services import sample_redact

        samples = [sample_redact(sample=s, actor=request.user) for s in queryset]
        held = sum(s.quarantined for s in samples)
        self.message_user(request, f"{len(samples)} sample(s) redacted; {held} still quarantined.")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("sample", "reviewer", "status", "served_at", "expires_at", "skip_reason")
    list_filter = ("status", "skip_reason", "project")
    search_fields = ("sample__external_id", "reviewer__email")
    list_select_related = ("sample__project", "reviewer")
    raw_id_fields = ("sample",)


class RevisionInline(admin.TabularInline):
    model = ReviewRevision
    extra = 0
    can_delete = False
    readonly_fields = (
        "revision",
        "verdict",
        "grades",
        "corrected_answer",
        "rationale",
        "created_at",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("sample", "reviewer", "verdict", "revision", "source", "submitted_at")
    list_filter = ("verdict", "source", "is_model", "project")
    search_fields = ("sample__external_id", "reviewer__email")
    list_select_related = ("sample__project", "reviewer")
    raw_id_fields = ("sample", "assignment")
    inlines = [RevisionInline]

    def has_change_permission(self, request, obj=None):
        return False  # reviews change only through the amend service, which keeps revisions


@admin.register(ReviewDraft)
class ReviewDraftAdmin(admin.ModelAdmin):
    list_display = ("assignment", "updated_at")
    raw_id_fields = ("assignment",)


# -- Label Studio bridge ----------------------------------------------------------------------

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402

from .models import LabelStudioLink  # noqa: E402


class LabelStudioLinkForm(forms.ModelForm):
    token = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Label Studio API token. Stored encrypted; leave empty to keep the stored one "
        "(or to use LABEL_STUDIO_TOKEN from the settings).",
    )

    class Meta:
        model = LabelStudioLink
        fields = ("project", "url")


@admin.register(LabelStudioLink)
class LabelStudioLinkAdmin(admin.ModelAdmin):
    form = LabelStudioLinkForm
    list_display = ("project", "url", "ls_project_id", "token_hint", "last_push_at", "last_pull_at")
    list_select_related = ("project",)
    readonly_fields = (
        "token_hint",
        "ls_project_id",
        "last_push_at",
        "last_pull_at",
        "last_pull_report",
    )

    def get_readonly_fields(self, request, obj=None):
        # The project of an existing link is fixed: its tasks belong to that project.
        return (*self.readonly_fields, "project") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        from core.errors import DomainError
        from curation.labelstudio.services import labelstudio_link_save

        project = obj.project
        try:
            link = labelstudio_link_save(
                project=project,
                url=form.cleaned_data.get("url"),
                token=form.cleaned_data.get("token"),
                actor=request.user,
            )
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            link = LabelStudioLink.objects.filter(project=project).first() or obj
        obj.pk = link.pk

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.action(description="Push to Label Studio (stored URL and token)")
def labelstudio_push_action(modeladmin, request, queryset):
    from core.outbox import enqueue
    from curation.labelstudio.tasks import labelstudio_push_project

    linked = set(
        LabelStudioLink.objects.filter(project__in=queryset).values_list("project_id", flat=True)
    )
    queued = []
    for project in queryset:
        if project.pk not in linked:
            modeladmin.message_user(
                request,
                f"{project.slug}: not linked yet — add a Label Studio link with its URL and token "
                "first.",
                level=messages.WARNING,
            )
            continue
        enqueue(labelstudio_push_project, project.pk, request.user.pk)
        queued.append(project.slug)
    if queued:
        modeladmin.message_user(request, f"Push queued for {', '.join(queued)}.")


ProjectAdmin.actions = [*(ProjectAdmin.actions or []), labelstudio_push_action]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write: browsable and searchable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ("key", "label", "kind", "axis", "rubric", "position")
    list_filter = ("kind", "axis", "rubric")
    search_fields = ("key", "label", "rubric__name", "rubric__family")
    list_select_related = ("rubric",)


@admin.register(ReviewRevision)
class ReviewRevisionAdmin(ReadOnlyAdmin):
    list_display = ("review", "revision", "verdict", "created_at")
    list_filter = ("verdict",)
    search_fields = ("review__sample__external_id", "review__reviewer__email")
    list_select_related = ("review__sample__project", "review__reviewer")


@admin.register(AgreementReport)
class AgreementReportAdmin(ReadOnlyAdmin):
    list_display = ("project", "status", "created_at", "settled", "sent_to_adjudication")
    list_filter = ("status", "project")
    search_fields = ("project__slug", "project__name")
    date_hierarchy = "created_at"


@admin.register(ConsensusLabel)
class ConsensusLabelAdmin(ReadOnlyAdmin):
    list_display = ("sample", "verdict", "verdict_confidence", "min_confidence", "n_reviews")
    list_filter = ("verdict", "project")
    search_fields = ("sample__external_id",)
    list_select_related = ("sample__project",)
    raw_id_fields = ("sample",)
    show_full_result_count = False


@admin.register(Adjudication)
class AdjudicationAdmin(ReadOnlyAdmin):
    list_display = ("sample", "lead", "verdict", "created_at")
    list_filter = ("verdict",)
    search_fields = ("sample__external_id", "lead__email", "note")
    list_select_related = ("sample__project", "lead")


@admin.register(LabelStudioTask)
class LabelStudioTaskAdmin(ReadOnlyAdmin):
    list_display = ("sample", "ls_task_id", "link", "created_at")
    search_fields = ("sample__external_id", "ls_task_id")
    list_select_related = ("sample__project", "link__project")


from .models import (  # noqa: E402
    CriterionGrade,
    CriterionValidation,
    ModelGrader,
    ModelGraderToken,
    SampleCriterion,
    SampleCriterionEdit,
)


class _ReadOnly(admin.ModelAdmin):
    """Written only through the services (history, judgements, grades, token hashes)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SampleCriterionEdit)
class SampleCriterionEditAdmin(_ReadOnly):
    list_display = ("criterion", "revision", "action", "status", "actor", "created_at")
    search_fields = ("text",)


@admin.register(CriterionValidation)
class CriterionValidationAdmin(_ReadOnly):
    list_display = ("criterion", "validator", "decision", "created_at")
    search_fields = ("suggested_text", "validator__email")


@admin.register(CriterionGrade)
class CriterionGradeAdmin(_ReadOnly):
    list_display = ("criterion", "physician", "model_grader", "met", "source", "updated_at")
    search_fields = ("criterion__text", "explanation")


@admin.register(ModelGraderToken)
class ModelGraderTokenAdmin(_ReadOnly):
    list_display = ("grader", "prefix", "created_at", "revoked_at")
    search_fields = ("prefix", "grader__name")
    exclude = ("key_hash",)


@admin.register(ModelGrader)
class ModelGraderAdmin(admin.ModelAdmin):
    """Model graders: a name and a version, nothing else (no licence, no invitation)."""

    list_display = ("name", "version", "is_active", "created_at")
    search_fields = ("name", "version")


@admin.register(SampleCriterion)
class SampleCriterionAdmin(admin.ModelAdmin):
    list_display = ("sample", "position", "points", "axis", "level", "status", "revision")
    list_filter = ("status", "axis", "level")
    search_fields = ("text", "sample__external_id")
    raw_id_fields = ("sample", "author")
    readonly_fields = ("revision",)


@admin.register(SampleResponse)
class SampleResponseAdmin(_ReadOnly):
    """The responses a comparison sample compares (written by the import only)."""

    list_display = ("sample", "key", "model")
    search_fields = ("sample__external_id", "key", "model")


@admin.register(Comparison)
class ComparisonAdmin(_ReadOnly):
    list_display = ("project", "sample", "reviewer", "preferred", "submitted_at")
    search_fields = ("sample__external_id", "reviewer__email")


@admin.register(ComparisonOrder)
class ComparisonOrderAdmin(_ReadOnly):
    list_display = ("sample", "reviewer")
