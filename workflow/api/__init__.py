"""REST endpoints of the planning cycle (``/api/v1/``), one module per area.

``processes`` (and what is created inside a process), ``decisions`` (votes; approving and
returning document versions), ``consultations`` (the register and the public side),
``meetings`` (meetings, resolutions, calendar feeds), ``plan`` (the structured plan), ``news``.
Serializers are in ``serializers``.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from workflow.api.consultations import ConsultationViewSet, PublicProcessViewSet
from workflow.api.decisions import DecisionViewSet, VersionDecisionViewSet
from workflow.api.meetings import CalendarFeedViewSet, MeetingViewSet, ResolutionViewSet
from workflow.api.news import NewsViewSet
from workflow.api.plan import PlanViewSet
from workflow.api.processes import ProcessViewSet

router = SimpleRouter()
router.register("processes", ProcessViewSet, basename="process")
router.register(r"processes/(?P<process_pk>[^/.]+)/decisions", DecisionViewSet, basename="decision")
router.register(r"processes/(?P<process_pk>[^/.]+)/plan", PlanViewSet, basename="plan")
router.register(r"processes/(?P<process_pk>[^/.]+)/news", NewsViewSet, basename="news")
router.register("versions", VersionDecisionViewSet, basename="version-decision")
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("public/processes", PublicProcessViewSet, basename="public-process")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("calendar-feeds", CalendarFeedViewSet, basename="calendar-feed")

urlpatterns = router.urls
