"""One-time tokens that stop a double tap or a resubmitted form from recording twice.

Issuing a token writes nothing: it is a nonce (its issue time and random bytes)
signed with the secret key and the session's key, so it is good only in the session
whose form page showed it, and stamped with its time, so it expires after MAX_AGE.
Spending one is the distribution service's job: the nonce goes into the database in
the transaction that records the form's outcome, under a unique key, so any number
of copies of one form record exactly one outcome (distribution.models.FormSubmission).
"""

import secrets
import time

from django.core import signing

MAX_AGE = 12 * 60 * 60  # seconds: a form page left open longer than a shift has expired


def _signer(session):
    return signing.TimestampSigner(salt=f"distribution.tokens:{session.session_key or ''}")


def issue_token(session):
    """Return a new token for a form page shown in `session` (the session is not changed)."""
    return _signer(session).sign(f"{time.time_ns():x}.{secrets.token_urlsafe(9)}")


def read_token(session, token):
    """The nonce of a token this session was given less than MAX_AGE ago, else None."""
    try:
        return _signer(session).unsign(str(token), max_age=MAX_AGE)
    except signing.BadSignature:  # forged, another session's, or expired
        return None
