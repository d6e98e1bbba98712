import pytest
from django.urls import reverse

from workflow.demo import load_demo

pytestmark = pytest.mark.django_db


def test_home_for_the_public_is_czech_and_lists_nothing(client):
    load_demo()
    response = client.get(reverse("workflow:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Komunitní plánování sociálních služeb" in body
    assert "Horažďovicku" not in body


def test_home_lists_only_the_processes_of_the_user(client, django_assert_max_num_queries):
    load_demo()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="koordinator-susice"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflow:home"))
    body = response.content.decode()
    assert "Sušicku" in body
    assert "Horažďovicku" not in body


def test_home_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("workflow:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Community planning of social services" in response.content.decode()
