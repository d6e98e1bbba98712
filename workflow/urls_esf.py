from django.urls import path

from workflow import views_esf

app_name = "esf"

urlpatterns = [
    path("procesy/<int:pk>/esf/", views_esf.process_report, name="process_report"),
    path(
        "procesy/<int:pk>/esf/export/<str:fmt>/",
        views_esf.process_export,
        name="process_export",
    ),
    path("esf-projekty/<int:pk>/", views_esf.project_report, name="project_report"),
    path(
        "esf-projekty/<int:pk>/export/<str:fmt>/",
        views_esf.project_export,
        name="project_export",
    ),
    path(
        "osoby/<int:pk>/pseudonymizovat/",
        views_esf.person_pseudonymise,
        name="person_pseudonymise",
    ),
    path(
        "osoby/<int:pk>/osobni-udaje.json",
        views_esf.person_data_export,
        name="person_data_export",
    ),
]
