"""Meetings with their agenda (add, edit, move, remove items) and attendance, the resolution
register (a secretariat's system POSTs resolutions here), and iCalendar links."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, one_of, parse_id, query_params, validated
from documents import selectors as document_selectors
from documents.serializers import VersionSerializer as DocumentVersionSerializer
from stakeholders.exceptions import NotFound
from stakeholders.selectors import body_list, person_list
from workflow import selectors_meetings, services
from workflow.api import serializers as s
from workflow.api.processes import process_for
from workflow.models import AgendaItem, Meeting, Resolution
from workflow.services import meetings as meeting_services
from workflow.services.resolutions import PointInput

ITEM_PARAMETER = OpenApiParameter(
    "item_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The agenda item."
)
ATTENDANCE_PARAMETER = OpenApiParameter(
    "attendance_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attendance line."
)
MOVES = {"up": -1, "down": 1}


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

    @extend_schema(request=s.MeetingEditSerializer, responses=s.MeetingUpdateResultSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the title, time, place, link or session number of a meeting not yet held (the
        coordinator, or the body's secretary); after the invitations went out, a change of time
        or place says that they should be sent again."""
        meeting = self.get_object()
        data = validated(s.MeetingEditSerializer, request)
        fields = ("title", "starts_at", "ends_at", "place", "online_url", "session_number")
        result = meeting_services.meeting_update(
            actor=request.user,
            meeting=meeting,
            reason=data["reason"],
            **{name: data.get(name, getattr(meeting, name)) for name in fields},
        )
        update = {
            "meeting": self.get_object(),
            "needs_new_invitations": result.needs_new_invitations,
        }
        return self.output(s.MeetingUpdateResultSerializer, update)

    @extend_schema(request=s.MeetingCancelSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a meeting that has not taken place, with the reason; subscribed calendars
        show it cancelled."""
        meeting = self.get_object()
        data = validated(s.MeetingCancelSerializer, request)
        meeting_services.meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"])
        return self.output(s.MeetingSerializer, self.get_object())

    # --- the agenda -------------------------------------------------------------------------

    def _agenda(self, meeting: Meeting) -> Response:
        items = meeting.agenda_items.order_by("order")
        return Response(s.AgendaItemSerializer(items, many=True).data)

    def _item(self, meeting: Meeting, item_pk: str) -> AgendaItem:
        return one_of(meeting.agenda_items.all(), parse_id(item_pk), _("Agenda item not found."))

    @extend_schema(responses=s.AgendaItemSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="agenda-items", pagination_class=None)
    def agenda_items(self, request: Request, pk: str) -> Response:
        """The agenda in its order."""
        return self._agenda(self.get_object())

    @extend_schema(request=s.AgendaItemCreateSerializer, responses={201: s.AgendaItemSerializer})
    @agenda_items.mapping.post
    def agenda_item_add(self, request: Request, pk: str) -> Response:
        """Add an item at the end of the agenda (the coordinator, or the body's secretary)
        until the minutes are approved."""
        meeting = self.get_object()
        data = validated(s.AgendaItemCreateSerializer, request)
        item = meeting_services.agenda_item_add(actor=request.user, meeting=meeting, **data)
        return self.output(s.AgendaItemSerializer, item, status=201)

    @extend_schema(
        parameters=[ITEM_PARAMETER],
        request=s.AgendaItemEditSerializer,
        responses=s.AgendaItemSerializer,
    )
    @action(detail=True, methods=["patch"], url_path=r"agenda-items/(?P<item_pk>[^/.]+)")
    def agenda_item(self, request: Request, pk: str, item_pk: str) -> Response:
        """Change an item's title or presenter, or record its discussion for the minutes."""
        item = self._item(self.get_object(), item_pk)
        data = validated(s.AgendaItemEditSerializer, request)
        item = meeting_services.agenda_item_update(
            actor=request.user,
            item=item,
            title=data.get("title", item.title),
            presenter=data.get("presenter", item.presenter),
            discussion=data.get("discussion", item.discussion),
            reason=data["reason"],
        )
        return self.output(s.AgendaItemSerializer, item)

    @extend_schema(
        parameters=[ITEM_PARAMETER, s.ReasonQuerySerializer], request=None, responses={204: None}
    )
    @agenda_item.mapping.delete
    def agenda_item_remove(self, request: Request, pk: str, item_pk: str) -> Response:
        """Remove an item; the items after it move up. An item with a recorded resolution or
        decision is part of the record: 400 ``validation_error``."""
        item = self._item(self.get_object(), item_pk)
        query = query_params(s.ReasonQuerySerializer, request)
        meeting_services.agenda_item_remove(actor=request.user, item=item, reason=query["reason"])
        return Response(status=204)

    @extend_schema(
        parameters=[ITEM_PARAMETER],
        request=s.AgendaItemMoveSerializer,
        responses=s.AgendaItemSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"agenda-items/(?P<item_pk>[^/.]+)/move",
        pagination_class=None,
    )
    def agenda_item_move(self, request: Request, pk: str, item_pk: str) -> Response:
        """Move an item one place up or down; the answer is the agenda in its new order (the
        first item up, or the last down, stays)."""
        meeting = self.get_object()
        item = self._item(meeting, item_pk)
        data = validated(s.AgendaItemMoveSerializer, request)
        meeting_services.agenda_item_move(
            actor=request.user, item=item, offset=MOVES[data["direction"]], reason=data["reason"]
        )
        return self._agenda(meeting)

    # --- invitations, attendance, the meeting held ------------------------------------------

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
        parameters=[ATTENDANCE_PARAMETER, s.ReasonQuerySerializer],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"attendance/(?P<attendance_pk>[^/.]+)")
    def attendance_remove(self, request: Request, pk: str, attendance_pk: str) -> Response:
        """Remove a line entered by mistake; a minutes verifier's line stays while they are one
        (400 ``validation_error``), and nothing changes once the minutes are approved."""
        meeting = self.get_object()
        row = one_of(meeting.attendances.all(), parse_id(attendance_pk), _("Attendance not found."))
        query = query_params(s.ReasonQuerySerializer, request)
        meeting_services.attendance_remove(
            actor=request.user, attendance=row, reason=query["reason"]
        )
        return Response(status=204)

    @extend_schema(request=None, responses={201: DocumentVersionSerializer})
    @action(detail=True, methods=["post"], url_path="attendance-list")
    def attendance_list(self, request: Request, pk: str) -> Response:
        """Render the attendance list for printing and signing (DOCX) as the next draft version
        of the meeting's attendance-list document; download it under ``/versions/{id}/``."""
        version = meeting_services.meeting_attendance_list_generate(
            actor=request.user, meeting=self.get_object()
        )
        return self.output(DocumentVersionSerializer, version, status=201)

    @extend_schema(
        request={"multipart/form-data": s.AttendanceScanUploadSerializer},
        responses={201: DocumentVersionSerializer},
    )
    @action(detail=True, methods=["post"], url_path="attendance-scan")
    def attendance_scan(self, request: Request, pk: str) -> Response:
        """Upload the scan of the signed attendance list (multipart/form-data; PDF, JPEG or
        PNG) after the meeting; it is checked like every upload and linked to the meeting."""
        meeting = self.get_object()
        data = validated(s.AttendanceScanUploadSerializer, request)
        upload = data["file"]
        version = meeting_services.meeting_attendance_scan_upload(
            actor=request.user,
            meeting=meeting,
            stream=upload,
            filename=upload.name or "",
            reason=data["reason"],
        )
        return self.output(DocumentVersionSerializer, version, status=201)

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "attendance_scan":
            return [MultiPartParser()]
        return super().get_parsers()

    # --- minutes ------------------------------------------------------------------------------

    def _verifiers(self, meeting: Meeting) -> Response:
        data = {
            "verifiers": sorted(meeting.minutes_verifiers.values_list("pk", flat=True)),
            "needed": meeting_services.minutes_verifiers_needed(meeting),
            "conditions": meeting_services.verifier_conditions(meeting),
        }
        return Response(s.VerifiersSerializer(data).data)

    @extend_schema(responses=s.VerifiersSerializer)
    @action(detail=True, methods=["get"])
    def verifiers(self, request: Request, pk: str) -> Response:
        """The minutes verifiers, how many are needed and what is still missing."""
        return self._verifiers(self.get_object())

    @extend_schema(request=s.VerifiersSetSerializer, responses=s.VerifiersSerializer)
    @verifiers.mapping.put
    def verifiers_set(self, request: Request, pk: str) -> Response:
        """Name the minutes verifiers (people recorded as present) until the minutes are
        approved."""
        meeting = self.get_object()
        data = validated(s.VerifiersSetSerializer, request)
        people = person_list(actor=request.user)
        persons = [
            one_of(people, person_id, _("Person not found."))
            for person_id in sorted(set(data["verifiers"]))
        ]
        meeting_services.meeting_verifiers_set(
            actor=request.user, meeting=meeting, persons=persons, reason=data["reason"]
        )
        return self._verifiers(self.get_object())

    @extend_schema(request=None, responses={201: s.MinutesVersionsSerializer})
    @action(detail=True, methods=["post"])
    def minutes(self, request: Request, pk: str) -> Response:
        """Generate the minutes of a held meeting: the full version for members and the version
        for publication without private persons' names, each the next draft version of the
        meeting's document."""
        versions = services.meeting_minutes_generate(actor=request.user, meeting=self.get_object())
        return Response(
            s.MinutesVersionsSerializer(
                {"full": versions.full, "published": versions.published}
            ).data,
            status=201,
        )

    @extend_schema(request=s.MinutesApproveSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="minutes/approve")
    def minutes_approve(self, request: Request, pk: str) -> Response:
        """Record that the newest minutes were approved, at a later meeting of the same body or
        per rollam; everything still missing is listed at once (400 ``validation_error``)."""
        meeting = self.get_object()
        data = validated(s.MinutesApproveSerializer, request)
        approved_at = one_of(
            selectors_meetings.meetings_approving_minutes(meeting).filter(
                pk__in=selectors_meetings.meeting_list(actor=request.user).values("pk")
            ),
            data["approved_at_meeting"],
            _("Meeting not found."),
        )
        services.meeting_minutes_approve(
            actor=request.user,
            meeting=meeting,
            approved_at_meeting=approved_at,
            reason=data["reason"],
        )
        return self.output(s.MeetingSerializer, self.get_object())

    @extend_schema(request=s.ReasonOnlySerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="minutes/publish")
    def minutes_publish(self, request: Request, pk: str) -> Response:
        """Publish approved minutes: the version without private persons' names goes out on
        the public portal (the coordinator of the process)."""
        meeting = self.get_object()
        data = validated(s.ReasonOnlySerializer, request)
        services.meeting_minutes_publish(actor=request.user, meeting=meeting, reason=data["reason"])
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
