from django.urls import path

from . import views

urlpatterns = [
    path("exports/", views.export_list, name="export-list"),
    path("exports/<int:export_id>/", views.export_detail, name="export-detail"),
    path("exports/<int:export_id>/progress/", views.export_progress, name="export-progress"),
    path("exports/<int:export_id>/retry/", views.export_retry, name="export-retry"),
]
