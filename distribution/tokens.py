"""One-time tokens that stop a double click or a resubmitted POST from recording twice.

The hard guarantee is the eligibility rule under the household lock (a second
distribution of the same package is refused anyway); the token turns a repeated
submission into "already recorded" plus the original receipt instead of a refusal.

Issuing a token writes nothing: it is a nonce (its issue time in nanoseconds and
random bytes) signed with the secret key and the session's key (so it is good only
in the session whose form page showed it) and stamped with its time (so it expires
after MAX_AGE). Only spending one writes the session, which remembers the last
KEEP_TOKENS spent nonces and what each recorded. The form page therefore costs no
session write; the POST costs one, as before.

When a spent nonce is forgotten, the session keeps its issue time (the newest such
time: the horizon). A token issued at or before the horizon that is not among the
remembered ones may be a forgotten spent one, so it counts as expired, never as
fresh: an old form submitted again after KEEP_TOKENS others is shown again with
"this form has expired", and records nothing. Forms issued after it stay fresh,
however fast they come.
"""

import secrets
import time

from django.core import signing

SESSION_KEY = "distribution_form_tokens"
HORIZON_KEY = "distribution_form_tokens_horizon"
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


def _issued_ns(token, nonce, *, latest=False):
    """When a token whose signature was checked was issued, in nanoseconds.

    A token issued before nonces carried their time has only its signed second:
    the first nanosecond of it, or the last with `latest` (each the safe side where
    it is used).
    """
    stamp, dot, _ = nonce.partition(".")
    if dot:
        return int(stamp, 16)
    seconds = signing.b62_decode(str(token).rsplit(signing.Signer().sep, 2)[-2])
    return (seconds + latest) * 10**9 - latest


def issue_token(session):
    """Return a new token for a form page shown in `session` (the session is not changed)."""
    return _signer(session).sign(f"{time.time_ns():x}.{secrets.token_urlsafe(9)}")


def token_state(session, token):
    """Return (state, log_id): FRESH (unused), USED (with the log it recorded) or UNKNOWN."""
    nonce = _nonce(session, token)
    if nonce is None:
        return UNKNOWN, None
    spent = session.get(SESSION_KEY, {})
    if nonce in spent:
        return USED, _log_id(spent[nonce])
    if _issued_ns(token, nonce) <= session.get(HORIZON_KEY, -1):
        return UNKNOWN, None  # maybe spent, and forgotten since
    return FRESH, None


def spend_token(session, token, log_id):
    """Mark `token` as used; `log_id` is the success it recorded (0 for a refusal)."""
    nonce = _nonce(session, token)
    if nonce is None:
        return
    spent = {key: value for key, value in session.get(SESSION_KEY, {}).items() if key != nonce}
    spent[nonce] = [log_id, _issued_ns(token, nonce, latest=True)]
    kept = list(spent.items())
    forgotten, kept = kept[:-KEEP_TOKENS], kept[-KEEP_TOKENS:]
    if forgotten:
        newest = max(_issued(entry) for _, entry in forgotten)
        session[HORIZON_KEY] = max(newest, session.get(HORIZON_KEY, -1))
    session[SESSION_KEY] = dict(kept)


# A spent entry is [log id, issue time in ns]; sessions from before the horizon existed
# hold the log id alone, and their issue time is taken as now (the safe side).


def _log_id(entry):
    return entry[0] if isinstance(entry, list) else entry


def _issued(entry):
    return entry[1] if isinstance(entry, list) else time.time_ns()
