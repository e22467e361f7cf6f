from django.urls import path

from curation.agreement import views

urlpatterns = [
    path("projects/<slug:slug>/agreement/", views.dashboard, name="agreement-dashboard"),
    path("adjudication/", views.queue, name="adjudication-queue"),
    path("adjudication/<int:sample_id>/", views.decide, name="adjudication-decide"),
    path("me/agreement/", views.own, name="own-agreement"),
]
