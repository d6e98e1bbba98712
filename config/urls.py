from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("", include("documents.urls")),
    path("", include("documents.urls_plan")),
    path("", include("workflow.urls")),
    path("", include("workflow.urls_meetings")),
    path("verejnost/", include("workflow.urls_public")),
    path("", include("workflow.urls_consultation")),
    path("", include("workflow.urls_audit")),
    path("", include("workflow.urls_esf")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
