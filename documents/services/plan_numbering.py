"""Hierarchical numbers of the plan tree: the next number, renumbering subtrees and siblings.

A node's number follows its position among its siblings under its parent's number ("1.2." for
the activities of measure 1.2). Unique constraints hold the numbers per process, so siblings are
renumbered in an order that never holds one number twice (a node steps aside to a free number
when two nodes swap places). Callers check permissions, lock the rows and run in a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from documents.models.plan import Activity, Measure, Priority, number_sort_key
from stakeholders.exceptions import NotFound, ValidationFailed
from stakeholders.services import Actor, record_save

MAX_NUMBER_PART = 999  # the number formats allow up to three digits per level

PlanNode = Priority | Measure | Activity


def renumber(obj: Measure | Activity, old_prefix: str, new_prefix: str, *, actor: Actor) -> None:
    obj.number = new_prefix + obj.number[len(old_prefix) :]
    record_save(obj, actor=actor, reason=_("Renumbered with its parent"))


def last_part(number: str) -> int:
    tail = number.rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def next_number(prefix: str, numbers: Iterable[str]) -> str:
    """The number after the highest one in use under ``prefix`` ("" for priorities)."""
    following = max((last_part(n) for n in numbers), default=0) + 1
    if following > MAX_NUMBER_PART:
        message = _("One level of the plan holds at most %(count)s items.") % {
            "count": MAX_NUMBER_PART
        }
        raise ValidationFailed(message, errors={"number": [message]})
    return f"{prefix}{following}"


def by_number(nodes: Iterable[Any]) -> list[Any]:
    """Nodes in the order of their numbers ("1.10" after "1.9")."""
    return sorted(nodes, key=lambda node: number_sort_key(node.number))


def lock(model: type[models.Model], *pks: int) -> None:
    """Lock rows in one fixed order (by id); parents are locked before their children."""
    list(
        model._default_manager.select_for_update()
        .filter(pk__in=[pk for pk in pks if pk is not None])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def locked_siblings(queryset: models.QuerySet) -> list[Any]:
    """Sibling rows locked by id, returned in the order of their numbers."""
    return by_number(queryset.select_for_update(of=("self",)).order_by("pk"))


def numbers_in_use(model: type[PlanNode], process_id: int, prefix: str) -> set[str]:
    rows = model._default_manager.filter(process_id=process_id)
    if prefix:
        rows = rows.filter(number__startswith=prefix)
    return set(rows.values_list("number", flat=True))


def set_number(node: PlanNode, number: str, *, actor: Actor, reason: str) -> None:
    """Give ``node`` a new number (and whatever parent it was given) and renumber its subtree."""
    old = node.number
    node.number = number
    record_save(node, actor=actor, reason=reason)
    if number == old:
        return
    old_prefix, new_prefix = f"{old}.", f"{number}."
    if isinstance(node, Priority):
        for measure in Measure.objects.filter(priority=node):
            renumber(measure, old_prefix, new_prefix, actor=actor)
        activities = Activity.objects.filter(measure__priority=node).select_related("measure")
        for activity in activities:
            renumber(activity, old_prefix, new_prefix, actor=actor)
    elif isinstance(node, Measure):
        for activity in Activity.objects.filter(measure=node).select_related("measure"):
            renumber(activity, old_prefix, new_prefix, actor=actor)


def targets(ordered: Sequence[PlanNode], prefix: str) -> list[tuple[PlanNode, str]]:
    return [(node, f"{prefix}{position}") for position, node in enumerate(ordered, 1)]


def renumbered(ordered: Sequence[PlanNode], prefix: str) -> list[PlanNode]:
    """The nodes whose number changes when ``ordered`` is numbered from 1 under ``prefix``."""
    return [node for node, target in targets(ordered, prefix) if node.number != target]


def place(
    ordered: Sequence[PlanNode], *, prefix: str, in_use: set[str], actor: Actor, reason: str
) -> None:
    """Number ``ordered`` 1, 2, 3… under ``prefix`` without ever holding a number twice.

    ``in_use`` holds every number currently taken under the prefix. A node moves as soon as its
    target is free; when the remaining moves form a cycle (two nodes swapping places), one node
    steps aside to a free number first.
    """
    pending = [(node, target) for node, target in targets(ordered, prefix) if node.number != target]
    renumber_reason = _("Renumbered: %(reason)s") % {"reason": reason}
    while pending:
        progressed = False
        for item in list(pending):
            node, target = item
            if target in in_use:
                continue
            in_use.discard(node.number)
            set_number(node, target, actor=actor, reason=renumber_reason)
            in_use.add(target)
            pending.remove(item)
            progressed = True
        if not progressed:
            node, _target = pending[0]
            spare = next_number(prefix, in_use)
            in_use.discard(node.number)
            set_number(node, spare, actor=actor, reason=renumber_reason)
            in_use.add(spare)


def moved(siblings: list[PlanNode], node: PlanNode, position: int | None) -> list[PlanNode]:
    """``siblings`` with ``node`` taken out and put back at ``position`` (1-based; None: last)."""
    rest = [sibling for sibling in siblings if sibling.pk != node.pk]
    index = len(rest) if position is None else min(max(int(position), 1), len(rest) + 1) - 1
    return [*rest[:index], node, *rest[index:]]


def pick(siblings: Sequence[PlanNode], pk: int) -> Any:
    for sibling in siblings:
        if sibling.pk == pk:
            return sibling
    raise NotFound(_("The item of the plan no longer exists."))
