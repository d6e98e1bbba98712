"""Addresses of the structured plan of a process: ``/procesy/<id>/plan/...`` (Czech slugs)."""

from django.urls import path

from documents import views_plan as views

app_name = "plan"

P = "procesy/<int:process_id>/plan/"

urlpatterns = [
    path(P, views.plan_tree, name="tree"),
    path(f"{P}vize/", views.vision_edit, name="vision_edit"),
    path(f"{P}kapitoly/<slug:kind>/", views.section_edit, name="section_edit"),
    path(f"{P}priority/nova/", views.priority_create, name="priority_create"),
    path(f"{P}priority/<int:pk>/upravit/", views.priority_edit, name="priority_edit"),
    path(f"{P}priority/<int:pk>/smazat/", views.priority_delete, name="priority_delete"),
    path(f"{P}priority/<int:pk>/posunout/", views.priority_move, name="priority_move"),
    path(
        f"{P}priority/<int:priority_id>/opatreni/nove/",
        views.measure_create,
        name="measure_create",
    ),
    path(f"{P}opatreni/<int:pk>/upravit/", views.measure_edit, name="measure_edit"),
    path(f"{P}opatreni/<int:pk>/smazat/", views.measure_delete, name="measure_delete"),
    path(f"{P}opatreni/<int:pk>/posunout/", views.measure_move, name="measure_move"),
    path(
        f"{P}opatreni/<int:measure_id>/aktivity/nova/",
        views.activity_create,
        name="activity_create",
    ),
    path(f"{P}aktivity/<int:pk>/upravit/", views.activity_edit, name="activity_edit"),
    path(f"{P}aktivity/<int:pk>/smazat/", views.activity_delete, name="activity_delete"),
    path(f"{P}aktivity/<int:pk>/posunout/", views.activity_move, name="activity_move"),
    path(f"{P}zasobnik/novy/", views.pipeline_item_create, name="pipeline_item_create"),
    path(f"{P}zasobnik/<int:pk>/upravit/", views.pipeline_item_edit, name="pipeline_item_edit"),
    path(f"{P}zasobnik/<int:pk>/smazat/", views.pipeline_item_delete, name="pipeline_item_delete"),
]
