"""The client's address, as seen past the reverse proxies the operator trusts.

Behind a proxy every request comes from the proxy's address, so a sign-in lockout
per address would lock everyone out together. Each proxy appends the address it
was connected from to X-Forwarded-For, and a client can put anything before that.
With TRUSTED_PROXY_COUNT proxies in front, the N-th address from the right is the
one the outermost trusted proxy saw: the client's. Whatever stands left of it is the
client's own text and is never read.
"""

import ipaddress

from django.conf import settings


def _address(text):
    """`text` as an IP address in its canonical spelling, or None if it is none."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request):
    """Return the client's address: REMOTE_ADDR, or with trusted proxies, their report of it.

    A header with fewer entries than trusted proxies, or an entry that is not an
    address, means the request did not come the way the operator said it would: the
    direct peer's address is used then, which a client cannot choose.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry
        for header in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if (entry := header.strip())
    ]
    if len(forwarded) < count:
        return remote
    return _address(forwarded[-count]) or remote
