"""One form, one outcome: the form token is spent with the outcome it recorded.

However a form comes back (the back button, a double tap, eight parallel retries
from a flaky connection), exactly one audit row is written for it, and every copy
is answered with that row: the receipt of a success, the refusal of a failure.
"""

import threading
import time
from unittest import mock

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse, reverse_lazy

from distribution import services, tokens
from distribution.forms import ALREADY_RECORDED_MESSAGE, EXPIRED_FORM_MESSAGE
from distribution.models import DistributionLog, FormSubmission
from distribution.services import (
    DistributionBusy,
    DistributionRefused,
    FormAlreadySubmitted,
    distribute_package,
    void_distribution,
)
from distribution.tests.test_concurrency import run_concurrently
from inventory.models import Inventory

FORM = reverse_lazy("distribution:new")
PARALLEL = 8


class Session(SessionBase):
    """A session with a key and nothing stored: all tokens.py needs."""

    def __init__(self, key):
        super().__init__(key)
        self._session_key = key


def on_hand(world):
    return Inventory.objects.get(pk=world.inventory.pk).quantity_on_hand


def distribute(world, token, *, household=None, quantity=1):
    return distribute_package(
        household=household or world.household,
        package=world.package,
        center=world.center,
        staff=world.staff["worker"],
        quantity=quantity,
        form_token=token,
    )


# ----------------------------------------------------------------------- the token


def test_a_token_reads_back_in_its_session_only():
    session = Session("a" * 32)
    token = tokens.issue_token(session)
    assert tokens.read_token(session, token)
    assert tokens.read_token(Session("b" * 32), token) is None
    assert tokens.read_token(session, "forged") is None
    assert tokens.read_token(session, token + "x") is None


def test_a_token_expires_after_its_max_age():
    session = Session("a" * 32)
    issued_long_ago = signing.b62_encode(int(time.time()) - tokens.MAX_AGE - 5)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=issued_long_ago):
        token = tokens.issue_token(session)
    assert tokens.read_token(session, token) is None


def test_tokens_are_unique_however_fast_they_are_issued():
    session = Session("a" * 32)
    nonces = {tokens.read_token(session, tokens.issue_token(session)) for _ in range(500)}
    assert len(nonces) == 500


# --------------------------------------------------------------------- the service


@pytest.mark.django_db
def test_a_spent_token_answers_with_the_success_it_recorded(portal):
    stock, logs = on_hand(portal), DistributionLog.objects.count()
    first = distribute(portal, "nonce-1")

    with pytest.raises(FormAlreadySubmitted) as again:
        distribute(portal, "nonce-1")

    assert (again.value.log, again.value.same_form) == (first, True)
    assert DistributionLog.objects.count() == logs + 1
    assert on_hand(portal) == stock - 1
    assert FormSubmission.objects.get(token="nonce-1").log == first


@pytest.mark.django_db
def test_a_spent_token_answers_with_the_refusal_it_recorded(portal):
    logs = DistributionLog.objects.count()
    with pytest.raises(DistributionRefused) as refused:
        distribute(portal, "nonce-1", quantity=99)

    with pytest.raises(FormAlreadySubmitted) as again:
        distribute(portal, "nonce-1", quantity=99)

    assert again.value.log == refused.value.log
    assert again.value.log.failure_code == "insufficient_stock"
    assert DistributionLog.objects.count() == logs + 1


@pytest.mark.django_db
def test_a_spent_token_sent_with_other_details_records_nothing(portal):
    first = distribute(portal, "nonce-1")
    stock, logs = on_hand(portal), DistributionLog.objects.count()

    with pytest.raises(FormAlreadySubmitted) as again:
        distribute(portal, "nonce-1", quantity=2)

    assert (again.value.log, again.value.same_form) == (first, False)
    assert (on_hand(portal), DistributionLog.objects.count()) == (stock, logs)


@pytest.mark.django_db
def test_a_replay_after_a_void_takes_no_stock(portal):
    """The household is eligible again, but the form was spent: its second try rolls back."""
    first = distribute(portal, "nonce-1")
    void_distribution(log=first, staff=portal.staff["manager"], reason="wrong family")
    stock, logs = on_hand(portal), DistributionLog.objects.count()

    with pytest.raises(FormAlreadySubmitted):
        distribute(portal, "nonce-1")

    assert (on_hand(portal), DistributionLog.objects.count()) == (stock, logs)


@pytest.mark.django_db
def test_a_busy_attempt_leaves_its_token_unspent(portal):
    """Busy changed nothing, so the same form may be sent again and then succeeds."""
    real = services.atomic_with_retries
    attempts = []

    def busy_once(operation):  # the attempt loses; recording its refusal does not
        attempts.append(operation)
        if len(attempts) == 1:
            raise services.LockContention("test")
        return real(operation)

    with (
        mock.patch.object(services, "atomic_with_retries", side_effect=busy_once),
        pytest.raises(DistributionBusy),
    ):
        distribute(portal, "nonce-1")
    assert len(attempts) == 2
    assert not FormSubmission.objects.filter(token="nonce-1").exists()
    assert DistributionLog.objects.get(household=portal.household).failure_code == "busy"

    assert distribute(portal, "nonce-1").transaction_status == "success"


@pytest.mark.django_db(transaction=True)
def test_a_refusal_whose_row_loses_a_deadlock_is_recorded_on_the_next_attempt(portal, monkeypatch):
    """The refusal's audit row has triggers that write shared rows: a deadlock there is
    retried like the attempt's own, and the refusal is recorded once."""
    real, lost = services.insert_log, []

    def deadlocked_once(cursor, **row):
        if row["transaction_status"] == "failed" and not lost:
            lost.append(row["failure_code"])
            raise lock_lost()
        return real(cursor, **row)

    distribute(portal, "nonce-1")
    monkeypatch.setattr(services, "insert_log", deadlocked_once)
    with pytest.raises(DistributionRefused):
        distribute(portal, "nonce-2")

    assert lost == ["not_eligible"]
    refusals = DistributionLog.objects.filter(
        household=portal.household, failure_code__isnull=False
    )
    assert [row.failure_code for row in refusals] == ["not_eligible"]
    assert FormSubmission.objects.get(token="nonce-2").log_id == refusals.get().pk


def lock_lost():
    """The error a lost deadlock (MySQL/MariaDB) or a locked database (SQLite) raises."""
    if connection.vendor == "mysql":
        return OperationalError(1213, "Deadlock found when trying to get lock")
    return OperationalError("database is locked")


# ------------------------------------------------------------------ in parallel


@pytest.mark.django_db(transaction=True)
def test_control_without_a_token_parallel_copies_leave_spurious_refusals(portal):
    """What a token prevents: copies of one form each leave a row of their own."""
    outcomes = run_concurrently(*[lambda: distribute(portal, None)] * PARALLEL)

    assert sum(outcome.error is None for outcome in outcomes) == 1
    rows = DistributionLog.objects.filter(household=portal.household)
    assert rows.filter(transaction_status="failed").count() == PARALLEL - 1


@pytest.mark.django_db(transaction=True)
def test_parallel_copies_of_one_form_record_one_success(portal):
    stock = on_hand(portal)

    outcomes = run_concurrently(*[lambda: distribute(portal, "nonce-1")] * PARALLEL)

    successes = [outcome.result for outcome in outcomes if outcome.error is None]
    assert len(successes) == 1
    answered = [outcome.error for outcome in outcomes if outcome.error is not None]
    assert all(isinstance(error, FormAlreadySubmitted) for error in answered), answered
    assert {error.log.pk for error in answered} <= {successes[0].pk}
    assert list(
        DistributionLog.objects.filter(household=portal.household).values_list(
            "transaction_status", flat=True
        )
    ) == ["success"]
    assert on_hand(portal) == stock - 1


@pytest.mark.django_db(transaction=True)
def test_parallel_copies_of_one_refused_form_record_one_refusal(portal):
    outcomes = run_concurrently(*[lambda: distribute(portal, "nonce-1", quantity=99)] * PARALLEL)

    failed = DistributionLog.objects.get(household=portal.household)
    assert failed.failure_code == "insufficient_stock"
    for outcome in outcomes:
        error = outcome.error
        assert isinstance(error, DistributionRefused | FormAlreadySubmitted), error
        assert error.log.pk == failed.pk


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_of_one_form_are_all_answered_with_its_receipt(portal):
    """The portal itself: eight copies of one POST, then the back button once more."""
    worker = Client()
    worker.force_login(portal.staff["worker"].user)
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": worker.get(reverse("distribution:new")).context["form"]["token"].value(),
    }
    cookies = worker.cookies
    start = threading.Barrier(PARALLEL, timeout=60)
    responses = [None] * PARALLEL

    def post(index):
        client = Client()
        client.cookies = cookies
        try:
            start.wait()
            responses[index] = client.post(reverse("distribution:new"), data)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    log = DistributionLog.objects.get(household=portal.household)
    receipt = reverse("distribution:receipt", args=[log.pk])
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, receipt)] * PARALLEL
    back_button = worker.post(reverse("distribution:new"), data, follow=True)
    assert back_button.redirect_chain == [(receipt, 302)]
    assert str(ALREADY_RECORDED_MESSAGE) in back_button.content.decode()
    assert DistributionLog.objects.filter(household=portal.household).count() == 1


@pytest.mark.django_db
def test_a_token_sent_again_with_other_details_is_expired(client, portal):
    client.force_login(portal.staff["worker"].user)
    token = client.get(reverse("distribution:new")).context["form"]["token"].value()
    data = {"household": portal.household.pk, "package": portal.package.pk, "quantity": 1}
    assert client.post(FORM, {**data, "token": token}).status_code == 302
    logs = DistributionLog.objects.count()

    other = client.post(FORM, {**data, "quantity": 2, "token": token})

    assert list(other.context["form"].non_field_errors()) == [EXPIRED_FORM_MESSAGE]
    assert DistributionLog.objects.count() == logs
