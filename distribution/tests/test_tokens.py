"""One-time form tokens: fresh, used, forged, and never fresh again once forgotten."""

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
    """time.time() that the test moves by hand (signing stamps tokens with it)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def spend_many(session, count, first_log_id=1):
    issued = [tokens.issue_token(session) for _ in range(count)]
    for log_id, token in enumerate(issued, start=first_log_id):
        tokens.spend_token(session, token, log_id)
    return issued


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
    clock[0] += 60
    later = spend_many(session, tokens.KEEP_TOKENS, first_log_id=2)

    assert len(session[tokens.SESSION_KEY]) == tokens.KEEP_TOKENS
    assert tokens.token_state(session, first) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, later[0]) == (tokens.USED, 2)
    assert tokens.token_state(session, later[-1]) == (tokens.USED, tokens.KEEP_TOKENS + 1)


def test_only_tokens_issued_up_to_the_forgotten_ones_count_as_expired(clock):
    session = FakeSession()
    unsent_old = tokens.issue_token(session)  # a form left open, issued with the first
    spend_many(session, tokens.KEEP_TOKENS + 1)
    clock[0] += 1
    new = tokens.issue_token(session)

    assert session[tokens.HORIZON_KEY] == int(clock[0]) - 1
    assert tokens.token_state(session, unsent_old) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, new) == (tokens.FRESH, None)


def test_sessions_written_before_the_horizon_existed_still_work(clock):
    session = FakeSession()
    old = [tokens.issue_token(session) for _ in range(tokens.KEEP_TOKENS)]
    # Their spent entries held the log id alone.
    session[tokens.SESSION_KEY] = {
        tokens._nonce(session, token): log_id for log_id, token in enumerate(old, start=1)
    }
    assert tokens.token_state(session, old[0]) == (tokens.USED, 1)

    clock[0] += 5
    tokens.spend_token(session, tokens.issue_token(session), 99)  # forgets old[0]

    assert tokens.token_state(session, old[0]) == (tokens.UNKNOWN, None)
    assert tokens.token_state(session, old[1]) == (tokens.USED, 2)
    assert session[tokens.HORIZON_KEY] == int(clock[0])  # its issue time unknown: now


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
