"""A database outage while saving a session shows the 503 page, not a 400."""

import pytest
from django.contrib.sessions.backends.db import UpdateError
from django.contrib.sessions.models import Session
from django.db import DatabaseError, OperationalError

from aidtracker.sessions import SessionStore


@pytest.fixture
def store(db):
    session = SessionStore()
    session["k"] = 1
    session.save(must_create=True)
    return session


def test_outage_while_saving_raises_the_database_error(store, monkeypatch):
    def lost(*args, **kwargs):
        raise OperationalError(2006, "MySQL server has gone away")

    monkeypatch.setattr(Session, "save", lost)
    store["k"] = 2
    with pytest.raises(OperationalError):
        store.save()


def test_other_save_failures_stay_update_errors(store, monkeypatch):
    def vanished(*args, **kwargs):
        raise DatabaseError("Forced update did not affect any rows.")

    monkeypatch.setattr(Session, "save", vanished)
    with pytest.raises(UpdateError):
        store.save()


@pytest.mark.django_db
def test_outage_page_is_503_when_session_save_fails(client, portal, monkeypatch):
    client.force_login(portal.staff["worker"].user)
    client.raise_request_exception = False
    form = client.get("/distribution/new/")  # issuing a form token writes no session
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": form.context["form"]["token"].value(),
    }

    def lost(*args, **kwargs):
        raise OperationalError(2003, "Can't connect to MySQL server")

    monkeypatch.setattr(Session, "save", lost)
    response = client.post("/distribution/new/", data)  # spends the token: saves the session
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
