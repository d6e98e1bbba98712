"""API tokens of users: issue (or rotate) and revoke, with the actor and the reason recorded.

A token is DRF's ``authtoken.Token``: one per user, sent as ``Authorization: Token <key>``. It
acts with exactly the user's own permissions (their memberships), so a municipal system gets a
user account of its own with the memberships it needs. Issuing a new token revokes the old one.
The key is returned once, by :func:`api_token_issue`; it is never shown again.

Each change is recorded in the admin log of the user account (actor, time, reason) without the
key, and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.services import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedToken:
    user_id: int
    key: str
    created_at: Any


def _target_user(actor: Actor, user_id: int | None) -> Any:
    """The user whose token is managed: the actor's own, or any user's for a superuser."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in to manage API tokens."))
    if user_id is None or user_id == actor.pk:
        return get_user_model().objects.select_for_update().get(pk=actor.pk)
    if not actor.is_superuser:
        raise PermissionDenied(_("Only a system administrator manages other users' API tokens."))
    user = get_user_model().objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User not found."))
    return user


def _record(actor: Actor, user: Any, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=get_user_model().objects.filter(pk=user.pk),
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
    logger.info("%s (user %s, by user %s)", message, user.pk, actor.pk)


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationFailed(
            _("Give the reason."), errors={"reason": [_("A reason is required.")]}
        )
    return reason.strip()


@transaction.atomic
def api_token_issue(*, actor: Actor, reason: str, user_id: int | None = None) -> IssuedToken:
    """Issue a new API token for a user, revoking the one they had; returns the key once.

    Needs: the user themselves, or a superuser for another user; an active user account.
    A reason is required.
    """
    reason = _require_reason(reason)
    user = _target_user(actor, user_id)
    if not user.is_active:
        raise ValidationFailed(_("The user account is not active."))
    had_token = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    message = (
        _("API token rotated: %(reason)s") if had_token else _("API token issued: %(reason)s")
    ) % {"reason": reason}
    _record(actor, user, message)
    return IssuedToken(user_id=user.pk, key=token.key, created_at=token.created or timezone.now())


@transaction.atomic
def api_token_revoke(*, actor: Actor, reason: str, user_id: int | None = None) -> bool:
    """Revoke a user's API token at once; True when there was one.

    Needs: the user themselves, or a superuser for another user. A reason is required.
    """
    reason = _require_reason(reason)
    user = _target_user(actor, user_id)
    revoked = Token.objects.filter(user=user).delete()[0] > 0
    if revoked:
        _record(actor, user, _("API token revoked: %(reason)s") % {"reason": reason})
    return revoked
