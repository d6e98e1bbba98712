"""Validators for Czech identifiers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ICO_RE = re.compile(r"^\d{8}$")
# OPZ: CZ.03.2.63/0.0/0.0/19_106/0015152; OPZ+: CZ.03.02.02/00/22_005/0000123
_ESF_REGISTRATION_RE = re.compile(
    r"^CZ\.\d{2}\.\d{1,2}\.\d{1,3}/(\d\.\d/\d\.\d|\d{2})/\d{2}_\d{3}/\d{7}$"
)


def ico_checksum_digit(first_seven: str) -> int:
    """The eighth digit of an IČO: weights 8..2, mod 11, as the statistical office defines it."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_seven, range(8, 1, -1), strict=True)
    )
    remainder = total % 11
    return (11 - remainder) % 10


def validate_ico(value: str) -> None:
    """Reject an IČO that is not eight digits or whose mod-11 check digit does not match."""
    if not _ICO_RE.match(value or ""):
        raise ValidationError(
            _("Company ID (IČO) must have exactly 8 digits (e.g. 00255661)."), code="ico_format"
        )
    expected = ico_checksum_digit(value[:7])
    if int(value[7]) != expected:
        raise ValidationError(
            _(
                "Company ID (IČO) %(ico)s is invalid: the check digit should be %(expected)s, "
                "not %(actual)s."
            ),
            code="ico_checksum",
            params={"ico": value, "expected": expected, "actual": value[7]},
        )


def validate_esf_registration_number(value: str) -> None:
    if not _ESF_REGISTRATION_RE.match(value or ""):
        raise ValidationError(
            _(
                "The ESF project registration number %(value)s does not have the expected form "
                "(e.g. CZ.03.2.63/0.0/0.0/19_106/0015152)."
            ),
            code="esf_registration_number",
            params={"value": value},
        )
