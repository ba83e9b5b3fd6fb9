"""One-time tokens that stop a double click or a resubmitted POST from recording twice.

The hard guarantee is the eligibility rule under the household lock (a second
distribution of the same package is refused anyway); the token turns a repeated
submission into "already recorded" plus the original receipt instead of a refusal.

Issuing a token writes nothing: it is a random nonce signed with the secret key and
the session's key (so it is good only in the session whose form page showed it) and
stamped with its time (so it expires after MAX_AGE). Only spending one writes the
session, which remembers the last KEEP_TOKENS spent nonces and what each recorded.
The form page therefore costs no session write; the POST costs one, as before.
"""

import secrets

from django.core import signing

SESSION_KEY = "distribution_form_tokens"
KEEP_TOKENS = 30
MAX_AGE = 12 * 60 * 60  # seconds: a form page left open longer than a shift has expired

FRESH, USED, UNKNOWN = "fresh", "used", "unknown"


def _signer(session):
    return signing.TimestampSigner(salt=f"distribution.tokens:{session.session_key or ''}")


def _nonce(session, token):
    """The nonce of a token this session was given less than MAX_AGE ago, else None."""
    try:
        return _signer(session).unsign(str(token), max_age=MAX_AGE)
    except signing.BadSignature:  # forged, another session's, or expired
        return None


def issue_token(session):
    """Return a new token for a form page shown in `session` (the session is not changed)."""
    return _signer(session).sign(secrets.token_urlsafe(12))


def token_state(session, token):
    """Return (state, log_id): FRESH (unused), USED (with the log it recorded) or UNKNOWN."""
    nonce = _nonce(session, token)
    if nonce is None:
        return UNKNOWN, None
    spent = session.get(SESSION_KEY, {})
    if nonce not in spent:
        return FRESH, None
    return USED, spent[nonce]


def spend_token(session, token, log_id):
    """Mark `token` as used; `log_id` is the success it recorded (0 for a refusal)."""
    nonce = _nonce(session, token)
    if nonce is None:
        return
    spent = {key: value for key, value in session.get(SESSION_KEY, {}).items() if key != nonce}
    spent[nonce] = log_id
    session[SESSION_KEY] = dict(list(spent.items())[-KEEP_TOKENS:])
