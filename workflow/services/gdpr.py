"""Personal data (GDPR): pseudonymisation on request or after the retention date, and the
export of everything held about one person.

Pseudonymisation replaces personal values and keeps every id, date, count and non-personal fact,
so that the ESF report and every other figure read the same before and after:

* a ``Person``: names, titles, e-mail and phone become "Osoba #<id>" (first name "Osoba", last
  name "#<id>"); the organisation, consents, memberships, attendance and votes stay. A linked
  user account loses its names and e-mail, gets the username ``osoba-<id>`` and is deactivated
  (on request only; the retention run leaves people with an account alone).
* the person's comments: those with one of the person's e-mails, or with one of the person's
  names and no other e-mail. The submitter's name becomes the pseudonym, the e-mail and the
  hashed client address are cleared, the public label is replaced where it was the name, and
  the person's names and e-mails are replaced by the pseudonym inside the comment's texts.
* the person's guest lines of attendance lists (a guest line has a name, no e-mail): lines whose
  name is one of the person's names. Each distinct spelling keeps its own pseudonym
  ("Osoba #5", "Osoba #5-2"…), so that the number of distinct guests does not change.
* generated documents: the plain data a document was rendered from (the ``generation_data``
  snapshot of each generated ``DocumentVersion``, submitted ones included, and the
  ``input_data`` of each ``GenerationJob``) get the same replacements as free text, in every
  string of the JSON: the person's names and e-mails, their guest spellings (each by its own
  label), a pseudonymised commenter's names and e-mails. The snapshot's ``context_sha256``
  stays the checksum of the data as rendered. On PostgreSQL the database guard of submitted
  versions lets ``generation_data`` change only while this module says so for the
  transaction (``documents`` migration 0003); nothing else of a submitted version changes.
* simple-history keeps the old values of every row, so the same columns are rewritten in the
  historical rows of those persons, comments, attendance lines, document versions and
  generation jobs (and the admin log's text of the objects). The change itself is a new
  historical row with the actor and the reason.

Not changed: audit events (they never hold names or e-mails); resolutions, agenda items and
their discussion (records of the bodies that entitled persons may inspect in full); the stored
files (DOCX, PDF, scans) of document versions: a submitted version's bytes are immutable
evidence kept for the retention period, checked against their sha256 (signed attendance lists
are evidence the programme requires). A draft that still names the person can be generated
again or deleted by the coordinator.

``retention_pseudonymise_due`` runs daily (``workflow.tasks_gdpr``): for every ESF project whose
``retention_until`` is before today, the guests and commenters of its processes are pseudonymised
("Host #<id>", "Připomínkující #<id>"), and so is every person whose records all belong to those
processes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from audit.models import AuditEvent
from audit.services import audit_record
from documents.models import DocumentVersion
from documents.models.plan import GenerationJob
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import EsfProject, Membership, Person
from stakeholders.services import Actor, record_save
from workflow.models import (
    Attendance,
    Comment,
    Meeting,
    PlanningProcess,
    ResolutionPoint,
    Vote,
)
from workflow.permissions import can_manage_process
from workflow.selectors_esf import normalised

# Pseudonyms are data in the language of the records (Czech), not UI strings.
PERSON_PSEUDONYM = "Osoba #{id}"
GUEST_PSEUDONYM = "Host #{id}"
COMMENTER_PSEUDONYM = "Připomínkující #{id}"
PSEUDONYM_PATTERN = re.compile(r"^(Osoba|Host|Připomínkující) #\d+(-\d+)?$")
COMMENT_TEXT_FIELDS = (
    "text",
    "proposed_change",
    "justification",
    "change_reference",
    "target_text",
)
JSON_ENCODER = DjangoJSONEncoder
# The transaction-local PostgreSQL setting under which the guard of submitted document versions
# lets their generation snapshot change (documents/migrations/0003).
SNAPSHOT_REWRITE_SETTING = "komplan.pseudonymising"

# Patterns of one author's names and e-mails, and what replaces them.
Replacement = tuple[list[re.Pattern[str]], str]


@dataclass
class PseudonymisationResult:
    """What one pseudonymisation changed (counts and ids only, no personal data)."""

    pseudonym: str
    actor_id: int | None
    reason: str
    person_id: int | None = None
    user_id: int | None = None
    comment_ids: list[int] = field(default_factory=list)
    attendance_ids: list[int] = field(default_factory=list)
    version_ids: list[int] = field(default_factory=list)
    generation_job_ids: list[int] = field(default_factory=list)
    history_rows: int = 0


@dataclass
class RetentionResult:
    project_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    skipped_person_ids: list[int] = field(default_factory=list)
    attendances: int = 0
    comments: int = 0
    versions: int = 0


# --- who may -------------------------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason (e.g. the data subject's request and its date)."),
            errors={"reason": [_("A reason is required.")]},
        )
    return reason.strip()


def person_linked_processes(person: Person) -> tuple[set[int], bool]:
    """The processes a person's records belong to, and whether any record lies outside every
    process (a council body of a territory, a meeting without a process)."""
    process_ids: set[int] = set()
    outside = False
    for body_process in Membership.objects.filter(person=person).values_list(
        "body__process_id", flat=True
    ):
        if body_process:
            process_ids.add(body_process)
        else:
            outside = True
    for meeting_process, body_process in Attendance.objects.filter(person=person).values_list(
        "meeting__process_id", "meeting__body__process_id"
    ):
        linked = meeting_process or body_process
        if linked:
            process_ids.add(linked)
        else:
            outside = True
    return process_ids, outside


def _actor_scope(actor: Actor, person: Person) -> set[int] | None:
    """The processes whose comments and guest lines an actor's request reaches: all for a
    superuser, else the processes of the person's records (which the actor coordinates)."""
    if actor is not None and actor.is_authenticated and actor.is_superuser:
        return None
    return person_linked_processes(person)[0]


def can_manage_personal_data(actor: Actor, person: Person) -> bool:
    """Superusers; or the coordinator of every process the person's records belong to."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    process_ids, outside = person_linked_processes(person)
    if outside or not process_ids:
        return False
    processes = PlanningProcess.objects.filter(pk__in=process_ids)
    return all(can_manage_process(actor, process) for process in processes)


# --- matching a person's records ----------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Every spelling of a person's name and every e-mail the records have held."""

    names: frozenset[str]  # normalised
    emails: frozenset[str]  # case-folded
    last_names: frozenset[str] = frozenset()

    def text_patterns(self, *, surnames: bool = False) -> list[re.Pattern[str]]:
        """Patterns of the names and e-mails inside free text, longest first; with
        ``surnames`` also the last name alone (for texts the person wrote themselves)."""
        patterns = []
        names = sorted(self.names, key=len, reverse=True)
        if surnames:
            names += sorted(
                {normalised(n) for n in self.last_names if len(normalised(n)) >= 3},
                key=len,
                reverse=True,
            )
        for name in names:
            tokens = [re.escape(token) for token in name.split()]
            if tokens:
                patterns.append(re.compile(r"(?<!\w)" + r"\s+".join(tokens) + r"(?!\w)", re.I))
        patterns.extend(
            re.compile(re.escape(email), re.I)
            for email in sorted(self.emails, key=len, reverse=True)
        )
        return patterns


def _name_variants(row: Any) -> set[str]:
    first, last = (row.first_name or "").strip(), (row.last_name or "").strip()
    before, after = (row.title_before or "").strip(), (row.title_after or "").strip()
    if not (first or last):
        return set()
    variants = {f"{first} {last}", f"{last} {first}", f"{before} {first} {last}"}
    if after:
        variants |= {f"{first} {last}, {after}", f"{before} {first} {last}, {after}"}
    return {normalised(v) for v in variants if normalised(v)}


def person_identity(person: Person) -> Identity:
    rows = [person, *Person.history.filter(id=person.pk)]
    names: set[str] = set()
    emails: set[str] = set()
    last_names: set[str] = set()
    for row in rows:
        if PSEUDONYM_PATTERN.match(f"{row.first_name} {row.last_name}"):
            continue
        names |= _name_variants(row)
        if row.last_name.strip():
            last_names.add(row.last_name.strip())
        if row.email:
            emails.add(row.email.strip().casefold())
    return Identity(
        names=frozenset(names), emails=frozenset(emails), last_names=frozenset(last_names)
    )


def _name_prefilter(field_name: str, identity: Identity) -> Q:
    """A cheap database filter (every spelling contains a last name); exact match in Python."""
    query = Q(pk__in=[])
    for last in identity.last_names:
        for variant in {last, last.lower(), last.upper(), last.casefold()}:
            query |= Q(**{f"{field_name}__icontains": variant})
    return query


def person_comments(
    identity: Identity, *, process_ids: Iterable[int] | None = None
) -> list[Comment]:
    """Comments with one of the e-mails, or with one of the names and no other e-mail."""
    if not identity.names and not identity.emails:
        return []
    query = _name_prefilter("submitter_name", identity)
    for email in identity.emails:
        query |= Q(submitter_email__iexact=email)
    found = Comment.objects.filter(query).select_related("consultation").order_by("pk")
    if process_ids is not None:
        found = found.filter(consultation__process_id__in=list(process_ids))
    result = []
    for comment in found:
        email = (comment.submitter_email or "").strip().casefold()
        same_email = bool(email) and email in identity.emails
        same_name = normalised(comment.submitter_name) in identity.names
        if same_email or (same_name and not email):
            result.append(comment)
    return result


def person_guest_attendances(
    identity: Identity, *, process_ids: Iterable[int] | None = None
) -> list[Attendance]:
    """Guest lines (no person record) whose name is one of the person's names."""
    if not identity.names:
        return []
    found = (
        Attendance.objects.filter(person__isnull=True)
        .filter(_name_prefilter("guest_name", identity))
        .select_related("meeting")
        .order_by("pk")
    )
    if process_ids is not None:
        ids = list(process_ids)
        found = found.filter(Q(meeting__process_id__in=ids) | Q(meeting__body__process_id__in=ids))
    return [a for a in found if normalised(a.guest_name) in identity.names]


# --- rewriting ------------------------------------------------------------------------------------


def _redact(text: str, patterns: list[re.Pattern[str]], pseudonym: str) -> str:
    for pattern in patterns:
        text = pattern.sub(pseudonym, text)
    return text


def _comment_values(
    row: Any, *, pseudonym: str, patterns: list[re.Pattern[str]], names: Iterable[str]
) -> dict[str, str]:
    """The new personal values of a comment (or of one of its historical rows)."""
    name_keys = {normalised(n) for n in names if n} | {normalised(row.submitter_name)}
    values = {"submitter_name": pseudonym, "submitter_email": "", "ip_hash": ""}
    label = row.pseudonym or ""
    if label and (normalised(label) in name_keys or _redact(label, patterns, pseudonym) != label):
        values["pseudonym"] = pseudonym
    for field_name in COMMENT_TEXT_FIELDS:
        values[field_name] = _redact(getattr(row, field_name) or "", patterns, pseudonym)
    return values


def _rewrite_comments(
    comments: list[Comment],
    pseudonym: str,
    *,
    identity: Identity | None,
    actor: Actor,
    reason: str,
    collect: list[Replacement] | None = None,
) -> int:
    """Rewrite the comments of one author (one new historical row each) and all their older
    historical rows; returns the number of historical rows rewritten.

    The texts lose the names and e-mails of ``identity`` (a person) or, without one, every
    name and e-mail these comments and their history have held as their submitter's. The
    patterns of their full names and e-mails are appended to ``collect`` (for the generated
    documents).
    """
    if not comments:
        return 0
    historical = Comment.history.model
    old_rows = list(historical.objects.filter(id__in=[c.pk for c in comments]))
    names: set[str] = set()
    emails: set[str] = set()
    for row in [*old_rows, *comments]:
        if row.submitter_name and not PSEUDONYM_PATTERN.match(row.submitter_name):
            names.add(row.submitter_name)
        if row.submitter_email:
            emails.add(row.submitter_email.strip().casefold())
    own = Identity(
        names=frozenset(normalised(n) for n in names),
        emails=frozenset(emails),
        last_names=frozenset(n.split()[-1] for n in names if n.split()),
    )
    patterns = (identity or own).text_patterns(surnames=True)
    if identity is not None:
        patterns += own.text_patterns()
    changed_fields = [
        "submitter_name",
        "submitter_email",
        "ip_hash",
        "pseudonym",
        *COMMENT_TEXT_FIELDS,
    ]
    rewritten_texts: dict[str, str] = {}
    for row in [*old_rows, *comments]:
        values = _comment_values(row, pseudonym=pseudonym, patterns=patterns, names=names)
        for name, value in values.items():
            old = getattr(row, name) or ""
            if name in COMMENT_TEXT_FIELDS and old != value:
                rewritten_texts[old] = value
            setattr(row, name, value)
    if collect is not None:
        # Generated documents (a settlement) quote the texts: each as rewritten here. Elsewhere
        # in them full names and e-mails only, as they list many people and a surname alone
        # may be someone else's.
        collect.extend(([re.compile(re.escape(old))], new) for old, new in rewritten_texts.items())
        full = own.text_patterns() + (identity.text_patterns() if identity is not None else [])
        collect.append((full, pseudonym))
    historical.objects.bulk_update(old_rows, changed_fields, batch_size=500)
    for comment in comments:
        record_save(comment, actor=actor, reason=reason, validate=False)
    return len(old_rows)


def _rewrite_guests(
    attendances: list[Attendance], pseudonyms: dict[int, str], *, actor: Actor, reason: str
) -> int:
    """Rewrite guest lines and their historical rows; returns the historical rows rewritten."""
    if not attendances:
        return 0
    historical = Attendance.history.model
    old_rows = list(historical.objects.filter(id__in=[a.pk for a in attendances]))
    for row in old_rows:
        if row.person_id is None and row.guest_name:
            row.guest_name = pseudonyms[row.id]
    historical.objects.bulk_update(old_rows, ["guest_name"], batch_size=500)
    for attendance in attendances:
        attendance.guest_name = pseudonyms[attendance.pk]
        record_save(attendance, actor=actor, reason=reason, validate=False)
    return len(old_rows)


def _longest_first(replacements: list[Replacement]) -> list[tuple[re.Pattern[str], str]]:
    """One list of (pattern, pseudonym), the longest pattern first, so that "Mgr. Jana Nová"
    is replaced whole before "Jana Nová"; among equals the earlier replacement wins."""
    pairs = [(pattern, pseudonym) for patterns, pseudonym in replacements for pattern in patterns]
    return sorted(pairs, key=lambda pair: -len(pair[0].pattern))


def _redact_data(value: Any, pairs: list[tuple[re.Pattern[str], str]]) -> Any:
    """Every string inside JSON-like data with the pairs applied (keys and structure
    unchanged)."""
    if isinstance(value, str):
        for pattern, replacement in pairs:
            value = pattern.sub(lambda _match, text=replacement: text, value)
        return value
    if isinstance(value, list):
        return [_redact_data(item, pairs) for item in value]
    if isinstance(value, dict):
        return {key: _redact_data(item, pairs) for key, item in value.items()}
    return value


def _guest_replacements(
    attendances: Iterable[Attendance], labels: dict[int, str]
) -> list[Replacement]:
    """Each guest spelling replaced by its own label, longest spelling first."""
    spellings = {normalised(a.guest_name): labels[a.pk] for a in attendances if a.guest_name}
    return [
        (Identity(names=frozenset({name}), emails=frozenset()).text_patterns(), label)
        for name, label in sorted(spellings.items(), key=lambda item: -len(item[0]))
    ]


@contextmanager
def _snapshot_rewrites_allowed() -> Iterator[None]:
    """Let PostgreSQL's guard of submitted versions accept a changed generation snapshot for the
    rest of this block (a transaction-local setting); other databases have no such guard."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [SNAPSHOT_REWRITE_SETTING])
    try:
        yield
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [SNAPSHOT_REWRITE_SETTING])


def _rewrite_generated(
    replacements: list[Replacement],
    *,
    process_ids: Iterable[int] | None,
    actor: Actor,
    reason: str,
) -> tuple[list[int], list[int], int]:
    """Apply the replacements to the generation snapshots of generated document versions and to
    the input data of generation jobs of the processes (all when ``process_ids`` is None).

    Changed rows get one new historical row with the actor and the reason; their older
    historical rows are rewritten too. Returns the version ids, the job ids and the number of
    historical rows rewritten.
    """
    if not replacements:
        return [], [], 0
    pairs = _longest_first(replacements)
    scope = None if process_ids is None else list(process_ids)
    user = actor if actor is not None and actor.is_authenticated else None
    changed: dict[type[Model], list[int]] = {}
    history_rows = 0
    targets: tuple[tuple[type[Model], str, str, Q], ...] = (
        (DocumentVersion, "generation_data", "document__process_id", Q(provenance="generated")),
        (GenerationJob, "input_data", "process_id", Q()),
    )
    with _snapshot_rewrites_allowed():
        for model, column, process_path, condition in targets:
            historical = model.history.model  # type: ignore[attr-defined]
            live = model._base_manager.filter(condition)
            old = historical.objects.filter(condition)
            if scope is not None:
                live = live.filter(**{f"{process_path}__in": scope})
                old = old.filter(**{f"{process_path}__in": scope})
            new_values: dict[Any, Any] = {}
            for history_id, data in old.values_list("history_id", column).iterator():
                redacted = _redact_data(data, pairs)
                if redacted != data:
                    new_values[history_id] = redacted
            rows = list(historical.objects.filter(history_id__in=list(new_values)))
            for row in rows:
                setattr(row, column, new_values[row.history_id])
            historical.objects.bulk_update(rows, [column], batch_size=500)
            history_rows += len(rows)

            new_values = {}
            for pk, data in live.values_list("pk", column).iterator():
                redacted = _redact_data(data, pairs)
                if redacted != data:
                    new_values[pk] = redacted
            objects = list(model._base_manager.filter(pk__in=list(new_values)).order_by("pk"))
            for obj in objects:
                setattr(obj, column, new_values[obj.pk])
            bulk_update_with_history(
                objects,
                model,
                [column],
                batch_size=500,
                default_user=user,
                default_change_reason=reason,
            )
            changed[model] = [obj.pk for obj in objects]
    return changed[DocumentVersion], changed[GenerationJob], history_rows


def _rewrite_admin_log(model: type[Model], ids: Iterable[int], label: str | dict[int, str]) -> None:
    """The admin log keeps each object's text (``str()``, a name for people and guests)."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    if isinstance(label, str):
        LogEntry.objects.filter(
            content_type=content_type, object_id__in=[str(i) for i in ids]
        ).update(object_repr=label)
        return
    for object_id, text in label.items():
        LogEntry.objects.filter(content_type=content_type, object_id=str(object_id)).update(
            object_repr=text
        )


def _guest_pseudonyms(attendances: list[Attendance], base: str) -> dict[int, str]:
    """One pseudonym per distinct spelling of the name ("Osoba #5", "Osoba #5-2"…): guests are
    told apart by name and organisation, so the number of distinct guests stays the same."""
    spellings: dict[str, str] = {}
    result = {}
    for attendance in sorted(attendances, key=lambda a: a.pk):
        key = normalised(attendance.guest_name)
        if key not in spellings:
            spellings[key] = base if not spellings else f"{base}-{len(spellings) + 1}"
        result[attendance.pk] = spellings[key]
    return result


def _pseudonymise_user(person: Person, reason: str) -> int | None:
    user = person.user
    if user is None:
        return None
    if user.is_superuser:
        raise ValidationFailed(
            _("The person's user account is an administrator; remove that role first.")
        )
    user_model = get_user_model()
    username = f"osoba-{person.pk}"
    if user_model.objects.filter(username=username).exclude(pk=user.pk).exists():
        username = f"osoba-{person.pk}-{user.pk}"
    user.username = username
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return user.pk


def _pseudonymise_person(
    person: Person,
    *,
    actor: Actor,
    reason: str,
    process_ids: set[int] | None = None,
    include_user: bool = True,
) -> PseudonymisationResult:
    """Rewrite one person's personal data everywhere (the caller holds the row lock)."""
    identity = person_identity(person)
    pseudonym = PERSON_PSEUDONYM.format(id=person.pk)
    result = PseudonymisationResult(
        pseudonym=pseudonym, actor_id=getattr(actor, "pk", None), reason=reason, person_id=person.pk
    )
    comments = person_comments(identity, process_ids=process_ids)
    replacements: list[Replacement] = []
    result.history_rows += _rewrite_comments(
        comments, pseudonym, identity=identity, actor=actor, reason=reason, collect=replacements
    )
    result.comment_ids = [c.pk for c in comments]
    guests = person_guest_attendances(identity, process_ids=process_ids)
    guest_labels = _guest_pseudonyms(guests, pseudonym)
    # A guest spelling keeps its own label where a name of the same length would match too.
    replacements = [
        *_guest_replacements(guests, guest_labels),
        (identity.text_patterns(), pseudonym),
        *replacements,
    ]
    result.history_rows += _rewrite_guests(guests, guest_labels, actor=actor, reason=reason)
    result.attendance_ids = [a.pk for a in guests]
    _rewrite_admin_log(Attendance, [], guest_labels)
    result.version_ids, result.generation_job_ids, rows = _rewrite_generated(
        replacements, process_ids=process_ids, actor=actor, reason=reason
    )
    result.history_rows += rows

    values = {
        "title_before": "",
        "first_name": "Osoba",
        "last_name": f"#{person.pk}",
        "title_after": "",
        "email": "",
        "phone": "",
    }
    result.history_rows += Person.history.filter(id=person.pk).update(**values)
    if any(getattr(person, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(person, name, value)
        record_save(person, actor=actor, reason=reason)
    _rewrite_admin_log(Person, [person.pk], pseudonym)
    if include_user:
        result.user_id = _pseudonymise_user(person, reason)
    _audit_pseudonymised(result)
    return result


@transaction.atomic
def person_pseudonymise(*, actor: Actor, person_id: int, reason: str) -> PseudonymisationResult:
    """Pseudonymise a person on request (e.g. an erasure request under Art. 17 GDPR).

    Needs: superuser, or the coordinator (``workflow.manage_process``) of every process the
    person's records belong to. A reason is required; the actor and the reason are recorded in
    the history of every changed row. Idempotent: a second run changes nothing further.
    """
    reason = _require_reason(reason)
    try:
        person = (
            Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person_id)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Person not found.")) from None
    if not can_manage_personal_data(actor, person):
        raise PermissionDenied(_("You may not manage this person's personal data."))
    return _pseudonymise_person(
        person, actor=actor, reason=reason, process_ids=_actor_scope(actor, person)
    )


@transaction.atomic
def comment_author_pseudonymise(
    *, actor: Actor, comment_id: int, reason: str
) -> PseudonymisationResult:
    """Pseudonymise the author of a comment who has no person record.

    The author's comments are those with the same e-mail (or, without an e-mail, the same
    name and no e-mail). They all get "Připomínkující #<id of the first>". Needs: superuser
    (every matching comment), or the coordinator of the comment's process (the matching
    comments of the processes they manage). A reason is required.
    """
    reason = _require_reason(reason)
    try:
        comment = Comment.objects.select_related("consultation__process").get(pk=comment_id)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Comment not found.")) from None
    process = comment.consultation.process
    is_superuser = bool(actor is not None and actor.is_authenticated and actor.is_superuser)
    if not is_superuser and not can_manage_process(actor, process):
        raise PermissionDenied(_("You may not manage this person's personal data."))
    email = (comment.submitter_email or "").strip()
    if email:
        matching = Comment.objects.filter(submitter_email__iexact=email)
    elif comment.submitter_name and not PSEUDONYM_PATTERN.match(comment.submitter_name):
        key = normalised(comment.submitter_name)
        candidates = Comment.objects.filter(submitter_email="").filter(
            Q(submitter_name__iexact=comment.submitter_name)
            | Q(submitter_name__icontains=comment.submitter_name.split()[-1])
        )
        matching = Comment.objects.filter(
            pk__in=[c.pk for c in candidates if normalised(c.submitter_name) == key]
        )
    else:
        matching = Comment.objects.filter(pk=comment.pk)
    matching = matching.select_related("consultation__process").select_for_update(of=("self",))
    comments = [
        c
        for c in matching.order_by("pk")
        if is_superuser or can_manage_process(actor, c.consultation.process)
    ]
    pseudonym = COMMENTER_PSEUDONYM.format(id=comments[0].pk if comments else comment.pk)
    result = PseudonymisationResult(
        pseudonym=pseudonym, actor_id=getattr(actor, "pk", None), reason=reason
    )
    replacements: list[Replacement] = []
    result.history_rows = _rewrite_comments(
        comments, pseudonym, identity=None, actor=actor, reason=reason, collect=replacements
    )
    result.comment_ids = [c.pk for c in comments]
    process_ids = (
        None if is_superuser else {c.consultation.process_id for c in comments} or {process.pk}
    )
    result.version_ids, result.generation_job_ids, rows = _rewrite_generated(
        replacements, process_ids=process_ids, actor=actor, reason=reason
    )
    result.history_rows += rows
    _audit_pseudonymised(result)
    return result


def _audit_pseudonymised(result: PseudonymisationResult) -> None:
    """One event in the installation-wide chain: ids and counts, never the data itself."""
    audit_record(
        process_id=None,
        kind=AuditEvent.Kind.PERSON_PSEUDONYMISED,
        actor_id=result.actor_id,
        object_ref=("stakeholders.person", str(result.person_id)) if result.person_id else None,
        payload={
            "person_id": result.person_id,
            "user_ref_id": result.user_id,
            "comment_ids": sorted(result.comment_ids),
            "attendance_ids": sorted(result.attendance_ids),
            "document_version_ids": sorted(result.version_ids),
            "generation_job_ids": sorted(result.generation_job_ids),
            "history_rows": result.history_rows,
        },
    )


# --- retention ------------------------------------------------------------------------------------


def retention_due_projects(today: dt.date) -> list[EsfProject]:
    """ESF projects whose retention date has passed (records kept through ``retention_until``)."""
    return list(EsfProject.objects.filter(retention_until__lt=today).order_by("pk"))


def _person_is_only_in(person_id: int, process_ids: set[int]) -> bool:
    """Every record of the person belongs to one of the processes."""
    ids = list(process_ids)
    if Membership.objects.filter(person_id=person_id).exclude(body__process_id__in=ids).exists():
        return False
    if (
        Attendance.objects.filter(person_id=person_id)
        .exclude(Q(meeting__process_id__in=ids) | Q(meeting__body__process_id__in=ids))
        .exists()
    ):
        return False
    return not (
        ResolutionPoint.objects.filter(responsible_id=person_id)
        .exclude(resolution__process_id__in=ids)
        .exists()
    )


@transaction.atomic
def retention_pseudonymise_due(*, today: dt.date | None = None) -> RetentionResult:
    """Pseudonymise the personal data of ESF projects whose retention date has passed.

    For each such project's processes: every person whose records all belong to them (people
    with a user account are left alone: their data are kept for their account), then every
    remaining guest line ("Host #<id>", one per distinct guest) and commenter
    ("Připomínkující #<id>", one per distinct e-mail or name). Run by Celery beat daily;
    idempotent (a second run finds nothing to do).
    """
    day = today or timezone.localdate()
    result = RetentionResult()
    projects = retention_due_projects(day)
    if not projects:
        return result
    result.project_ids = [p.pk for p in projects]
    process_ids = set(
        PlanningProcess.objects.filter(esf_project__in=projects).values_list("pk", flat=True)
    )
    if not process_ids:
        return result
    ids = list(process_ids)
    numbers = ", ".join(p.registration_number for p in projects)
    reason = f"Uplynula doba uchování záznamů projektu ESF ({numbers})"
    candidates = (
        Person.objects.filter(
            Q(memberships__body__process_id__in=ids)
            | Q(attendances__meeting__process_id__in=ids)
            | Q(attendances__meeting__body__process_id__in=ids)
        )
        .distinct()
        .order_by("pk")
    )
    for person_id in list(candidates.values_list("pk", flat=True)):
        person = (
            Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person_id)
        )
        if PSEUDONYM_PATTERN.match(f"{person.first_name} {person.last_name}") and not (
            person.email or person.phone
        ):
            continue
        if person.user_id is not None or not _person_is_only_in(person.pk, process_ids):
            result.skipped_person_ids.append(person.pk)
            continue
        _pseudonymise_person(
            person, actor=None, reason=reason, process_ids=process_ids, include_user=False
        )
        result.person_ids.append(person.pk)

    guests = [
        a
        for a in Attendance.objects.select_for_update(of=("self",))
        .filter(person__isnull=True)
        .filter(Q(meeting__process_id__in=ids) | Q(meeting__body__process_id__in=ids))
        .order_by("pk")
        if not PSEUDONYM_PATTERN.match(a.guest_name)
    ]
    groups: dict[tuple[str, str], list[Attendance]] = defaultdict(list)
    for attendance in guests:
        key = (normalised(attendance.guest_name), normalised(attendance.guest_organization))
        groups[key].append(attendance)
    labels = {
        a.pk: GUEST_PSEUDONYM.format(id=members[0].pk)
        for members in groups.values()
        for a in members
    }
    replacements = _guest_replacements(guests, labels)
    _rewrite_guests(guests, labels, actor=None, reason=reason)
    _rewrite_admin_log(Attendance, [], labels)
    result.attendances = len(guests)

    comments = [
        c
        for c in Comment.objects.select_for_update(of=("self",))
        .filter(consultation__process_id__in=ids)
        .exclude(submitter_name="", submitter_email="", ip_hash="")
        .order_by("pk")
        if not (PSEUDONYM_PATTERN.match(c.submitter_name) and not c.submitter_email)
    ]
    authors: dict[str, list[Comment]] = defaultdict(list)
    for comment in comments:
        key = (comment.submitter_email or "").strip().casefold() or (
            "name:" + normalised(comment.submitter_name)
            if comment.submitter_name
            else f"id:{comment.pk}"
        )
        authors[key].append(comment)
    for members in authors.values():
        label = COMMENTER_PSEUDONYM.format(id=members[0].pk)
        _rewrite_comments(
            members, label, identity=None, actor=None, reason=reason, collect=replacements
        )
    result.comments = len(comments)
    versions, _jobs, _rows = _rewrite_generated(
        replacements, process_ids=process_ids, actor=None, reason=reason
    )
    result.versions = len(versions)
    return result


# --- export -----------------------------------------------------------------------------------


def _row(obj: Model) -> dict[str, Any]:
    """Every column of a row (foreign keys as ids)."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _history(model: type[Model], **filters: Any) -> list[dict[str, Any]]:
    history = model.history  # type: ignore[attr-defined]
    return [_row(row) for row in history.filter(**filters).order_by("history_date", "history_id")]


def person_data_export(*, actor: Actor, person_id: int) -> dict[str, Any]:
    """Everything held about one person, as JSON-ready data (Art. 15 GDPR).

    The person record, their user account, memberships, attendance (their own lines and guest
    lines under their name), comments (by e-mail or name), votes, resolution points they are
    responsible for, and the historical rows of all of these. Needs: superuser, or the
    coordinator of every process the person's records belong to.
    """
    try:
        person = Person.objects.select_related("user", "organization").get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Person not found.")) from None
    if not can_manage_personal_data(actor, person):
        raise PermissionDenied(_("You may not manage this person's personal data."))
    identity = person_identity(person)
    scope = _actor_scope(actor, person)
    memberships = list(
        Membership.objects.filter(person=person).select_related("body").order_by("pk")
    )
    attendances = list(
        Attendance.objects.filter(person=person).select_related("meeting").order_by("pk")
    )
    guests = person_guest_attendances(identity, process_ids=scope)
    comments = person_comments(identity, process_ids=scope)
    votes = list(
        Vote.objects.filter(membership__person=person).select_related("decision").order_by("pk")
    )
    points = list(
        ResolutionPoint.objects.filter(responsible=person)
        .select_related("resolution")
        .order_by("pk")
    )
    user = person.user

    def meeting_facts(attendance: Attendance) -> dict[str, Any]:
        meeting: Meeting = attendance.meeting
        return {
            **_row(attendance),
            "meeting": {
                "id": meeting.pk,
                "title": meeting.title,
                "starts_at": meeting.starts_at,
                "place": meeting.place,
                "process_id": meeting.process_id,
            },
        }

    return {
        "exported_at": timezone.now(),
        "exported_by_user_id": getattr(actor, "pk", None),
        "person": {
            **_row(person),
            "full_name": person.full_name,
            "organization": person.organization.name if person.organization_id else None,
        },
        "user_account": (
            {
                "id": user.pk,
                "username": user.get_username(),
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "is_active": user.is_active,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            }
            if user is not None
            else None
        ),
        "memberships": [
            {**_row(m), "body_name": m.body.name, "body_kind": m.body.kind} for m in memberships
        ],
        "attendances": [meeting_facts(a) for a in attendances],
        "guest_attendances": [meeting_facts(a) for a in guests],
        "comments": [
            {
                **_row(c),
                "consultation": {"id": c.consultation_id, "title": c.consultation.title},
            }
            for c in comments
        ],
        "votes": [
            {**_row(v), "decision_title": v.decision.title, "decision_id": v.decision_id}
            for v in votes
        ],
        "resolution_points": [
            {**_row(p), "resolution_number": p.resolution.number} for p in points
        ],
        "history": {
            "person": _history(Person, id=person.pk),
            "memberships": _history(Membership, id__in=[m.pk for m in memberships]),
            "attendances": _history(Attendance, id__in=[a.pk for a in [*attendances, *guests]]),
            "comments": _history(Comment, id__in=[c.pk for c in comments]),
            "votes": _history(Vote, id__in=[v.pk for v in votes]),
            "resolution_points": _history(ResolutionPoint, id__in=[p.pk for p in points]),
        },
    }


def person_data_export_json(*, actor: Actor, person_id: int) -> bytes:
    import json

    data = person_data_export(actor=actor, person_id=person_id)
    return json.dumps(data, cls=JSON_ENCODER, ensure_ascii=False, indent=2).encode("utf-8")
