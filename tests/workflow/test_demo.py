import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from stakeholders.models import Body, Membership, Organization, Person, Territory
from workflow.demo import DEMO_PASSWORD, load_demo
from workflow.models import PlanningProcess, PlanningProcessUserObjectPermission
from workflow.selectors import process_list

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Territory,
            Organization,
            Person,
            Body,
            Membership,
            PlanningProcess,
            PlanningProcessUserObjectPermission,
        )
    } | {"membership_history": Membership.history.count()}


def test_demo_twice_duplicates_nothing(capsys):
    call_command("demo")
    first = _counts()
    call_command("demo")
    assert _counts() == first
    out = capsys.readouterr().out
    assert "koordinator" in out and DEMO_PASSWORD in out


def test_demo_matches_the_brief():
    result = load_demo()
    process = result.process
    assert process.territory.name == "ORP Horažďovice"
    assert process.title == "Komunitní plánování sociálních služeb na Horažďovicku"
    assert (process.period_start_year, process.period_end_year) == (2023, 2025)
    assert process.esf_project.registration_number == "CZ.03.2.63/0.0/0.0/19_106/0015152"
    assert process.coordinator_organization.name == "Centrum pro komunitní práci západní Čechy"
    working_groups = process.bodies.filter(kind=Body.Kind.WORKING_GROUP)
    assert working_groups.count() == 3
    for body in [process.bodies.get(kind=Body.Kind.STEERING_GROUP), *working_groups]:
        sides = set(body.memberships.exclude(triad_side="").values_list("triad_side", flat=True))
        assert {"commissioner", "provider", "user"} <= sides, body
    council = Body.objects.filter(territory=process.territory)
    assert set(council.values_list("kind", flat=True)) == {"board", "assembly"}


def test_every_printed_login_works_and_sees_its_processes():
    result = load_demo()
    for login in result.logins:
        user = authenticate(username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login.username
        visible = set(process_list(actor=user).values_list("territory__name", flat=True))
        if login.username == "koordinator-susice":
            assert visible == {"ORP Sušice"}
        elif login.username == "spravce":
            assert visible == {"ORP Horažďovice", "ORP Sušice"}
        else:
            assert visible == {"ORP Horažďovice"}, login.username
