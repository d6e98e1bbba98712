"""The coordinator's pages of the public consultation and the news items (login required)."""

from django.urls import path

from workflow import views_consultation

app_name = "consultation"

urlpatterns = [
    path(
        "procesy/<int:process_id>/pripominkovani/",
        views_consultation.consultation_list,
        name="list",
    ),
    path(
        "procesy/<int:process_id>/pripominkovani/nove/",
        views_consultation.consultation_schedule,
        name="schedule",
    ),
    path("procesy/<int:process_id>/aktuality/", views_consultation.news_list, name="news_list"),
    path("aktuality/<int:pk>/", views_consultation.news_edit, name="news_edit"),
    path("aktuality/<int:pk>/zverejneni/", views_consultation.news_publish, name="news_publish"),
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
