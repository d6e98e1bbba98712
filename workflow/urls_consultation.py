"""The coordinator's pages of a consultation (login required)."""

from django.urls import path

from workflow import views_consultation

app_name = "consultation"

urlpatterns = [
    path("pripominkovani/<int:pk>/", views_consultation.consultation_register, name="register"),
    path("pripominkovani/<int:pk>/nova/", views_consultation.comment_enter, name="comment_enter"),
    path(
        "pripominkovani/<int:pk>/vyporadat/<int:comment_pk>/",
        views_consultation.comment_settle,
        name="comment_settle",
    ),
    path(
        "pripominkovani/<int:pk>/vyporadani/",
        views_consultation.consultation_settlement_step,
        name="settlement_step",
    ),
]
