"""Meetings, resolutions and calendar feeds."""

from django.urls import path

from workflow import views_meetings

app_name = "meetings"

urlpatterns = [
    path("jednani/", views_meetings.meeting_list, name="meeting_list"),
    path("jednani/<int:pk>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("jednani/<int:pk>/pozvat/", views_meetings.meeting_invite, name="meeting_invite"),
    path(
        "jednani/<int:pk>/prezence/", views_meetings.meeting_attendance, name="meeting_attendance"
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
