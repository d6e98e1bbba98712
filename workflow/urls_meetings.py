"""Meetings, resolutions and calendar feeds."""

from django.urls import path

from workflow import views_meetings

app_name = "meetings"

urlpatterns = [
    path("jednani/", views_meetings.meeting_list, name="meeting_list"),
    path("jednani/nove/", views_meetings.meeting_create, name="meeting_create"),
    path("jednani/<int:pk>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("jednani/<int:pk>/upravit/", views_meetings.meeting_edit, name="meeting_edit"),
    path("jednani/<int:pk>/zrusit/", views_meetings.meeting_cancel, name="meeting_cancel"),
    path("jednani/<int:pk>/pozvat/", views_meetings.meeting_invite, name="meeting_invite"),
    path("jednani/<int:pk>/program/", views_meetings.agenda_item_add, name="agenda_item_add"),
    path(
        "jednani/<int:pk>/program/<int:item_pk>/",
        views_meetings.agenda_item_edit,
        name="agenda_item_edit",
    ),
    path(
        "jednani/<int:pk>/program/<int:item_pk>/posunout/",
        views_meetings.agenda_item_move,
        name="agenda_item_move",
    ),
    path(
        "jednani/<int:pk>/program/<int:item_pk>/odebrat/",
        views_meetings.agenda_item_remove,
        name="agenda_item_remove",
    ),
    path(
        "jednani/<int:pk>/prezence/", views_meetings.meeting_attendance, name="meeting_attendance"
    ),
    path(
        "jednani/<int:pk>/prezence/clenove/",
        views_meetings.meeting_attendance_sheet,
        name="meeting_attendance_sheet",
    ),
    path(
        "jednani/<int:pk>/prezence/<int:attendance_pk>/odebrat/",
        views_meetings.attendance_remove,
        name="attendance_remove",
    ),
    path("jednani/<int:pk>/konano/", views_meetings.meeting_held, name="meeting_held"),
    path(
        "jednani/<int:pk>/prezencni-listina/",
        views_meetings.attendance_list_generate,
        name="attendance_list_generate",
    ),
    path(
        "jednani/<int:pk>/prezencni-listina/sken/",
        views_meetings.attendance_scan_upload,
        name="attendance_scan_upload",
    ),
    path(
        "jednani/<int:pk>/overovatele/", views_meetings.meeting_verifiers, name="meeting_verifiers"
    ),
    path("jednani/<int:pk>/zapis/", views_meetings.minutes_generate, name="minutes_generate"),
    path(
        "jednani/<int:pk>/zapis/schvalit/", views_meetings.minutes_approve, name="minutes_approve"
    ),
    path(
        "jednani/<int:pk>/zapis/zverejnit/", views_meetings.minutes_publish, name="minutes_publish"
    ),
    path("jednani/<int:pk>/jednani.ics", views_meetings.meeting_ics, name="meeting_ics"),
    path("usneseni/", views_meetings.resolution_list, name="resolution_list"),
    path("usneseni/nove/", views_meetings.resolution_create, name="resolution_create"),
    path("usneseni/<int:pk>/", views_meetings.resolution_detail, name="resolution_detail"),
    path("usneseni/<int:pk>/uplatnit/", views_meetings.resolution_apply, name="resolution_apply"),
    path(
        "usneseni/<int:pk>/body/<int:point_pk>/",
        views_meetings.resolution_point_status,
        name="resolution_point_status",
    ),
    path("kalendar/", views_meetings.calendar_feeds, name="calendar_feeds"),
    path("kalendar/novy/", views_meetings.calendar_feed_rotate, name="calendar_feed_rotate"),
    path("kalendar/<str:token>.ics", views_meetings.calendar_feed, name="calendar_feed"),
]
