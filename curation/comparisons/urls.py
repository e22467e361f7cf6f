from django.urls import path

from curation.comparisons import views

urlpatterns = [
    path("compare/<int:assignment_id>/", views.comparison_review, name="comparison-review"),
]
