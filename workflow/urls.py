from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.home, name="home"),
    path("procesy/<int:pk>/", views.process_detail, name="process_detail"),
    path("procesy/<int:pk>/prechod/", views.process_transition, name="process_transition"),
]
