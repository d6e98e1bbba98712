import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_for_the_public_is_czech_and_lists_nothing(client, cycle):
    response = client.get(reverse("workflow:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Komunitní plánování sociálních služeb" in body
    assert "Komunitní plán ORP Horažďovice" not in body


def test_home_lists_only_the_processes_of_the_user(
    client, cycle, other_cycle, django_assert_max_num_queries
):
    client.force_login(other_cycle.coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflow:home"))
    body = response.content.decode()
    assert "Komunitní plán ORP Sušice" in body
    assert "Komunitní plán ORP Horažďovice" not in body


def test_czech_first_whatever_the_browser_asks_for(client):
    response = client.get(reverse("workflow:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Komunitní plánování sociálních služeb" in response.content.decode()
    assert response.headers["Content-Language"] == "cs"


def test_english_when_the_user_chose_it(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("workflow:home"))
    assert "Community planning of social services" in response.content.decode()
    assert response.headers["Content-Language"] == "en"
