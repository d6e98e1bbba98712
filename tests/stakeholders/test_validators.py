import pytest
from django.core.exceptions import ValidationError

from stakeholders.models import Organization
from stakeholders.validators import validate_esf_registration_number, validate_ico


@pytest.mark.parametrize("ico", ["00255513", "00064581", "25596641", "00000019"])
def test_valid_ico_passes(ico):
    validate_ico(ico)


@pytest.mark.parametrize(
    ("ico", "code"),
    [
        ("00255514", "ico_checksum"),
        ("00064582", "ico_checksum"),
        ("1234567", "ico_format"),
        ("123456789", "ico_format"),
        ("0025551A", "ico_format"),
        ("", "ico_format"),
    ],
)
def test_invalid_ico_is_rejected_with_czech_message(ico, code):
    with pytest.raises(ValidationError) as info:
        validate_ico(ico)
    assert info.value.code == code
    message = info.value.messages[0]
    assert "IČO" in message


def test_checksum_message_names_the_expected_digit():
    with pytest.raises(ValidationError) as info:
        validate_ico("00255514")
    assert info.value.messages == ["IČO 00255514 je neplatné: kontrolní číslice má být 3, ne 4."]


@pytest.mark.django_db
def test_organization_full_clean_rejects_bad_ico():
    org = Organization(kind=Organization.Kind.PROVIDER, name="Charita", ico="00255514")
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    assert "ico" in info.value.message_dict


@pytest.mark.parametrize(
    "number",
    ["CZ.03.2.63/0.0/0.0/19_106/0015152", "CZ.03.02.02/00/22_005/0000123"],
)
def test_esf_registration_number_accepts_opz_and_opz_plus(number):
    validate_esf_registration_number(number)


@pytest.mark.parametrize("number", ["", "03.2.63/0.0/0.0/19_106/0015152", "CZ.03.2.63/19_106"])
def test_esf_registration_number_rejects_garbage(number):
    with pytest.raises(ValidationError):
        validate_esf_registration_number(number)
