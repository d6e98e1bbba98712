from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/upload/", views.version_upload, name="version_upload"),
    path("versions/<int:pk>/download/", views.version_download, name="version_download"),
    path("versions/<int:pk>/pdf/", views.version_pdf, name="version_pdf"),
    path("versions/<int:old>/diff/<int:new>/", views.version_diff, name="version_diff"),
]
