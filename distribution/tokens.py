"""One-time tokens that stop a double click or a resubmitted POST from recording twice.

The hard guarantee is the eligibility rule under the household lock (a second
distribution of the same package is refused anyway); the token turns a repeated
submission into "already recorded" plus the original receipt instead of a refusal.
"""

import secrets

SESSION_KEY = "distribution_form_tokens"
KEEP_TOKENS = 30

FRESH, USED, UNKNOWN = "fresh", "used", "unknown"


def issue_token(session):
    """Return a new token and remember it as unused."""
    tokens = dict(session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(16)
    tokens[token] = None
    session[SESSION_KEY] = dict(list(tokens.items())[-KEEP_TOKENS:])
    return token


def token_state(session, token):
    """Return (state, log_id): FRESH (unused), USED (with the log it recorded) or UNKNOWN."""
    tokens = session.get(SESSION_KEY, {})
    if token not in tokens:
        return UNKNOWN, None
    log_id = tokens[token]
    return (FRESH, None) if log_id is None else (USED, log_id)


def spend_token(session, token, log_id):
    """Mark `token` as used; `log_id` is the success it recorded (0 for a refusal)."""
    tokens = dict(session.get(SESSION_KEY, {}))
    tokens[token] = log_id
    session[SESSION_KEY] = tokens
