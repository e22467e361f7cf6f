"""The project's URLs plus one page that fails, to see the 500 page as a person would."""

from django.urls import path

from config import urls as project_urls


def fail(request):
    raise RuntimeError("deliberate failure for the error-page test")


urlpatterns = [path("fail-for-test/", fail), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500
