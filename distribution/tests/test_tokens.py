"""One-time form tokens: fresh, used, forged, and never fresh again once forgotten."""

import secrets
import time

import pytest
from django.urls import reverse

from distribution import tokens
from distribution.forms import EXPIRED_FORM_MESSAGE
from distribution.models import DistributionLog

FORM = reverse("distribution:new")


class FakeSession(dict):
    """What tokens.py uses of a session: a key and item access."""

    session_key = "k" * 32


@pytest.fixture
def clock(monkeypatch):
    """A clock the test controls: one second that never ends, a nanosecond clock that
    moves on by a microsecond at each reading (signing and issue times read them)."""
    now = {"ns": 1_800_000_000 * 10**9}

    def time_ns():
        now["ns"] += 1000
        return now["ns"]

    monkeypatch.setattr(time, "time_ns", time_ns)
    monkeypatch.setattr(time, "time", lambda: now["ns"] // 10**9)
    return now


def spend_many(session, count, first_log_id=1):
    issued = [tokens.issue_token(session) for _ in range(count)]
    for log_id, token in enumerate(issued, start=first_log_id):
        tokens.spend_token(session, token, log_id)
    return issued


def legacy_token(session):
    """A token as issued before nonces carried their issue time."""
    return tokens._signer(session).sign(secrets.token_urlsafe(12))


def test_a_token_is_fresh_until_spent_then_used_with_its_log():
    session = FakeSession()
    token = tokens.issue_token(session)

    assert tokens.token_state(session, token) == (tokens.FRESH, None)
    tokens.spend_token(session, token, 41)
    assert tokens.token_state(session, token) == (tokens.USED, 41)
    assert tokens.token_state(session, "forged") == (tokens.UNKNOWN, None)


def test_a_forgotten_spent_token_is_never_fresh_again(clock):
    session = FakeSession()
    first = tokens.issue_token(session)
    tokens.spend_token(session, first, 1)
    later = spend_many(session, tokens.KEEP_TOKENS, first_log_id=2)

    assert len(session[tokens.SESSION_KEY]) == tokens.KEEP_TOKENS
    assert tokens.token_state(session, first) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, later[0]) == (tokens.USED, 2)
    assert tokens.token_state(session, later[-1]) == (tokens.USED, tokens.KEEP_TOKENS + 1)


def test_only_tokens_issued_up_to_the_forgotten_ones_count_as_expired(clock):
    session = FakeSession()
    unsent_old = tokens.issue_token(session)  # a form left open since before the others
    spent = spend_many(session, tokens.KEEP_TOKENS + 2)
    new = tokens.issue_token(session)

    newest_forgotten = spent[1]
    assert session[tokens.HORIZON_KEY] == tokens._issued_ns(
        newest_forgotten, tokens._nonce(session, newest_forgotten)
    )
    assert tokens.token_state(session, unsent_old) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, new) == (tokens.FRESH, None)


def test_a_fast_worker_gets_a_fresh_form_every_time(clock):
    """Many forms within one second: each new one is fresh, however many were forgotten."""
    session = FakeSession()
    for log_id in range(1, 5 * tokens.KEEP_TOKENS):
        token = tokens.issue_token(session)
        assert tokens.token_state(session, token) == (tokens.FRESH, None)
        tokens.spend_token(session, token, log_id)
        assert tokens.token_state(session, token) == (tokens.USED, log_id)


def test_tokens_and_sessions_from_before_the_horizon_still_work(clock):
    session = FakeSession()
    open_form = legacy_token(session)
    old = [legacy_token(session) for _ in range(tokens.KEEP_TOKENS)]
    # Their spent entries held the log id alone.
    session[tokens.SESSION_KEY] = {
        tokens._nonce(session, token): log_id for log_id, token in enumerate(old, start=1)
    }
    assert tokens.token_state(session, old[0]) == (tokens.USED, 1)
    assert tokens.token_state(session, open_form) == (tokens.FRESH, None)

    tokens.spend_token(session, tokens.issue_token(session), 99)  # forgets old[0]

    assert session[tokens.HORIZON_KEY] > tokens._issued_ns(  # its issue time unknown: now
        open_form, tokens._nonce(session, open_form)
    )
    assert tokens.token_state(session, old[0]) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, open_form) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, old[1]) == (tokens.USED, 2)
    assert tokens.token_state(session, tokens.issue_token(session)) == (tokens.FRESH, None)


def test_an_old_form_sent_again_after_many_others_records_nothing(client, portal, db_state):
    """The whole page: the first submission succeeds, the same form much later expires."""
    client.force_login(portal.staff["worker"].user)
    page = client.get(FORM)
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": page.context["form"]["token"].value(),
    }
    assert client.post(FORM, data).status_code == 302
    session = client.session
    spend_many(session, tokens.KEEP_TOKENS, first_log_id=10_000)  # 30 later submissions
    session.save()
    before, logs = db_state(), DistributionLog.objects.count()

    again = client.post(FORM, data)

    assert again.status_code == 200
    assert list(again.context["form"].non_field_errors()) == [EXPIRED_FORM_MESSAGE]
    assert (db_state(), DistributionLog.objects.count()) == (before, logs)
