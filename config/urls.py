from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .metrics import metrics_view

# Each app owns its URL modules; the API lives under /api/ and is described by the schema.
api_patterns = [
    path("", include("curation.import_api_urls")),
    path("", include("curation.api_urls")),
    path("", include("curation.agreement_api_urls")),
    path("", include("exports.api_urls")),
    path("", include("annotators.api_urls")),
]

handler404 = "core.api.page_not_found"

urlpatterns = [
    # /healthz and /readyz are answered by core.health.HealthCheckMiddleware.
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include(api_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("curation.agreement_urls")),
    path("", include("exports.urls")),
    path("", include("annotators.urls")),
    path("", include("curation.console_urls")),
    path("", include("curation.urls")),
]
