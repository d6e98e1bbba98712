"""Meetings with their agenda and attendance, the resolution register (a secretariat's system
POSTs resolutions here), and iCalendar links."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, one_of, parse_id, query_params, validated
from documents import selectors as document_selectors
from stakeholders.exceptions import NotFound
from stakeholders.selectors import body_list, person_list
from workflow import selectors_meetings, services
from workflow.api import serializers as s
from workflow.api.processes import process_for
from workflow.models import Meeting, Resolution
from workflow.services import meetings as meeting_services
from workflow.services.resolutions import PointInput


class MeetingViewSet(ApiViewSet):
    """Meetings of the processes and bodies you may see, newest first."""

    queryset = Meeting.objects.none()
    serializer_class = s.MeetingSerializer
    not_found_message = gettext_lazy("Meeting not found.")

    def get_object(self) -> Meeting:
        return selectors_meetings.meeting_get(
            actor=self.request.user, pk=parse_id(self.kwargs["pk"])
        )

    @extend_schema(parameters=[s.MeetingFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.MeetingFilterSerializer, request)
        process = process_for(request, filters["process"]) if "process" in filters else None
        meetings = selectors_meetings.meeting_list(actor=request.user, process=process)
        return self.paginated(meetings, s.MeetingSerializer)

    @extend_schema(responses=s.MeetingDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """The meeting with its agenda and attendance list."""
        return self.output(s.MeetingDetailSerializer, self.get_object())

    @extend_schema(request=s.MeetingCreateSerializer, responses={201: s.MeetingDetailSerializer})
    def create(self, request: Request) -> Response:
        """Plan a meeting of a body (or a public hearing of a process) with its agenda (the
        coordinator, or the body's secretary)."""
        data = validated(s.MeetingCreateSerializer, request)
        body = one_of(body_list(actor=request.user), data.pop("body"), _("Body not found."))
        process_id = data.pop("process")
        process = process_for(request, process_id) if process_id is not None else None
        meeting = services.meeting_create(actor=request.user, body=body, process=process, **data)
        return self.output(
            s.MeetingDetailSerializer,
            selectors_meetings.meeting_get(actor=request.user, pk=meeting.pk),
            status=201,
        )

    @extend_schema(request=s.ReasonOnlySerializer, responses=s.InvitationSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: str) -> Response:
        """Send the invitations (e-mail with an .ics); later than the body's lead time they
        still go out and ``is_late`` says so."""
        meeting = self.get_object()
        data = validated(s.ReasonOnlySerializer, request)
        result = services.meeting_invite(
            actor=request.user, meeting_id=meeting.pk, reason=data["reason"]
        )
        invitation = {
            "meeting": self.get_object(),
            "recipients": result.recipients,
            "is_late": result.is_late,
            "deadline": result.deadline,
        }
        return self.output(s.InvitationSerializer, invitation)

    @extend_schema(request=s.AttendanceRecordSerializer, responses=s.AttendanceSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str) -> Response:
        """Record (or correct) one line of the attendance list: a person or a guest."""
        meeting = self.get_object()
        data = validated(s.AttendanceRecordSerializer, request)
        data["person"] = one_of(
            person_list(actor=request.user), data["person"], _("Person not found.")
        )
        row = services.attendance_record(actor=request.user, meeting=meeting, **data)
        return self.output(s.AttendanceSerializer, row)

    @extend_schema(request=s.ReasonOnlySerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str) -> Response:
        """Record that the meeting was held."""
        meeting = self.get_object()
        data = validated(s.ReasonOnlySerializer, request)
        services.meeting_mark_held(actor=request.user, meeting=meeting, reason=data["reason"])
        return self.output(s.MeetingSerializer, self.get_object())

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The meeting as an iCalendar event."
            )
        }
    )
    @action(detail=True, methods=["get"])
    def ics(self, request: Request, pk: str) -> HttpResponse:
        meeting = self.get_object()
        response = HttpResponse(
            meeting_services.meeting_ics(meeting), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="jednani.ics"'
        return response


POINT_PARAMETER = OpenApiParameter(
    "point_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The resolution point."
)


class ResolutionViewSet(ApiViewSet):
    """The resolution register: resolutions of the bodies and processes you may see."""

    queryset = Resolution.objects.none()
    serializer_class = s.ResolutionSerializer
    not_found_message = gettext_lazy("Resolution not found.")

    def get_queryset(self) -> QuerySet[Resolution]:
        return selectors_meetings.resolution_list(actor=self.request.user)

    @extend_schema(parameters=[s.ResolutionFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.ResolutionFilterSerializer, request)
        resolutions = self.get_queryset()
        if "body" in filters:
            resolutions = resolutions.filter(body_id=filters["body"])
        if "process" in filters:
            resolutions = resolutions.filter(process_id=filters["process"])
        return self.paginated(resolutions, s.ResolutionSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.ResolutionSerializer, self.get_object())

    @extend_schema(request=s.ResolutionCreateSerializer, responses={201: s.ResolutionSerializer})
    def create(self, request: Request) -> Response:
        """Record a resolution of a council body or steering group (its secretary, the
        secretariat). The number follows the body's pattern unless given; the vote is checked
        against the body's rules; a resolution on the plan must follow the approval chain and
        is bound to the version's sha256."""
        data = validated(s.ResolutionCreateSerializer, request)
        actor = request.user
        body = one_of(body_list(actor=actor), data.pop("body"), _("Body not found."))
        meeting = one_of(
            selectors_meetings.meeting_list(actor=actor),
            data.pop("meeting"),
            _("Meeting not found."),
        )
        agenda_item_id = data.pop("agenda_item")
        agenda_item = None
        if agenda_item_id is not None:
            if meeting is None:
                raise NotFound(_("Agenda item not found."))
            agenda_item = one_of(meeting.agenda_items.all(), agenda_item_id, _("Not found."))
        process_id = data.pop("process")
        process = process_for(request, process_id) if process_id is not None else None
        version = one_of(
            document_selectors.version_list(actor=actor),
            data.pop("document_version"),
            _("Document version not found."),
        )
        people = person_list(actor=actor)
        points = [
            PointInput(
                verb=point["verb"],
                text=point["text"],
                responsible=one_of(people, point["responsible"], _("Person not found.")),
                responsible_label=point["responsible_label"],
                deadline=point["deadline"],
            )
            for point in data.pop("points")
        ]
        resolution = services.resolution_record(
            actor=actor,
            body=body,
            meeting=meeting,
            agenda_item=agenda_item,
            process=process,
            document_version=version,
            points=points,
            claimed_outcome=data.pop("outcome"),
            **data,
        )
        return self.output(
            s.ResolutionSerializer,
            selectors_meetings.resolution_get(actor=actor, pk=resolution.pk),
            status=201,
        )

    @extend_schema(
        parameters=[POINT_PARAMETER],
        request=s.PointStatusSerializer,
        responses=s.ResolutionPointSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"points/(?P<point_pk>[^/.]+)/status")
    def point_status(self, request: Request, pk: str, point_pk: str) -> Response:
        """Record the fulfilment of a resolution point (the body's secretary)."""
        resolution = self.get_object()
        point = one_of(
            resolution.points.all(), parse_id(point_pk), _("Resolution point not found.")
        )
        data = validated(s.PointStatusSerializer, request)
        point = services.resolution_point_set_status(actor=request.user, point=point, **data)
        return self.output(s.ResolutionPointSerializer, point)


class CalendarFeedViewSet(ApiViewSet):
    """Secret iCalendar addresses of your meetings, deadlines and consultation closings."""

    @extend_schema(
        request=s.CalendarFeedRequestSerializer, responses={201: s.CalendarFeedSerializer}
    )
    def create(self, request: Request) -> Response:
        """Issue a new feed address (of one process, or of everything you take part in); the
        previous address of the same scope stops working. The address is shown once."""
        data = validated(s.CalendarFeedRequestSerializer, request)
        process = process_for(request, data["process"]) if data["process"] is not None else None
        token = services.calendar_feed_rotate(actor=request.user, process=process)
        url = request.build_absolute_uri(reverse("meetings:calendar_feed", args=[token]))
        return Response(
            s.CalendarFeedSerializer({"url": url, "process": data["process"]}).data, status=201
        )
