from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.home, name="home"),
]
