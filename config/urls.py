from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .metrics import metrics_view

# Each app owns its URL modules; the API lives under /api/ and is described by the schema.
api_patterns = [
    path("", include("curation.intake.api_urls")),
    path("", include("curation.reviewing.api_urls")),
    path("", include("curation.comparisons.api_urls")),
    path("", include("curation.agreement.api_urls")),
    path("", include("curation.criteria.api_urls")),
    path("", include("exports.api_urls")),
]

# The product's error pages (templates/4xx.html, 500.html); core.errorpages explains DEBUG.
handler404 = "core.errorpages.page_not_found"
handler500 = "core.errorpages.server_error"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg")), name="favicon"),
    # /healthz and /readyz are answered by core.health.HealthCheckMiddleware.
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file (`?script`): no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include(api_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("curation.agreement.urls")),
    path("", include("curation.criteria.urls")),
    path("", include("exports.urls")),
    path("", include("annotators.urls")),
    path("", include("console.urls")),
    path("", include("curation.comparisons.urls")),
    path("", include("curation.reviewing.urls")),
]
