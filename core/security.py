"""Security headers Django 5.2 does not set itself."""

from django.conf import settings

DEFAULT_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The camera scans household cards on the distribute page, from this site only.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
NO_STORE = "no-store, private"


class SecurityHeadersMiddleware:
    """Send a Content-Security-Policy with no inline script or style, and a Permissions-Policy.

    The pages are built for it: scripts and styles come from static files, chart data
    travels in `json_script` blocks (JSON, not executed), htmx runs with its inline
    indicator styles turned off.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """Send `Cache-Control: no-store, private` with every page, unless its view chose one.

    Pages show households, phone numbers and the audit log, on devices that several
    people share: after a sign-out, neither the back button nor the browser's cache
    may show them again, and no proxy may keep a copy. Every page, not only those
    of a signed-in user: a sign-in page or an error page is worth nothing cached,
    and a request can end signed out (the password change at its lockout). Static
    files never get here: WhiteNoise, before this in MIDDLEWARE, answers them with
    its own caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Cache-Control", NO_STORE)
        return response
