from django.urls import path

from curation.reviewing import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<slug:slug>/next/", views.project_next, name="project-next"),
    path("projects/<slug:slug>/guidelines/", views.project_guidelines, name="project-guidelines"),
    path("review/undo/", views.review_undo, name="review-undo"),
    path("review/<int:assignment_id>/", views.review, name="review"),
    path("review/<int:assignment_id>/skip/", views.review_skip, name="review-skip"),
    path("review/<int:assignment_id>/draft/", views.review_draft, name="review-draft"),
    path("reviews/", views.my_reviews, name="my-reviews"),
    path("reviews/<int:review_id>/", views.my_review, name="my-review"),
]
