"""The public portal under /verejnost/ (no login)."""

from django.urls import path

from workflow import views_public

app_name = "public"

urlpatterns = [
    path("<int:process_id>/", views_public.process_page, name="process"),
    path("<int:process_id>/vlozit/", views_public.process_embed, name="process_embed"),
    path(
        "<int:process_id>/pripominkovani/<int:consultation_id>/",
        views_public.consultation_page,
        name="consultation",
    ),
    path(
        "<int:process_id>/pripominkovani/<int:consultation_id>/prijato/<uuid:token>/",
        views_public.comment_receipt,
        name="comment_receipt",
    ),
]
