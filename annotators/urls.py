from django.urls import path

from annotators import views

urlpatterns = [
    path(
        "invite/<uidb64>/<token>/",
        views.invitation_accept_view,
        name="invitation-accept",
    ),
]
