"""Requests are read as UTF-8, the only charset the portal's pages send.

Django decodes a request's query string and form body with the charset its
Content-Type declares. A charset Python cannot decode text with (rot13, base64,
punycode) raised while Django was still building the request, before any middleware
or error page; a form declaring latin-1 or utf-16 raised BadRequest, and Django's own
400 view, which runs the CSRF check again, read the body once more and turned that
into a 500. So the request classes here adopt a declared charset only when it is
UTF-8, and Utf8RequestMiddleware answers 400 (the portal's 400 page) to a request
declaring any other charset, and to a form body that is not UTF-8.
"""

import codecs
from urllib.parse import unquote_to_bytes

import django
from django.core.exceptions import BadRequest
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import UnreadablePostError
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _

UTF8 = "utf-8"
FORM_URLENCODED = "application/x-www-form-urlencoded"
NOT_UTF8_CHARSET_MESSAGE = _("The request declares a charset other than UTF-8.")
NOT_UTF8_BODY_MESSAGE = _("The form data is not valid UTF-8.")


def is_utf8(charset):
    """True for any name Python knows UTF-8 by ("utf-8", "UTF8", "utf_8")."""
    try:
        return codecs.lookup(charset).name == UTF8
    except (LookupError, ValueError):  # unknown name, or one with a NUL in it
        return False


def is_utf8_form(body):
    """True when an urlencoded body, its %-escapes decoded, is valid UTF-8.

    Django would read anything else as latin-1 or with U+FFFD in place of the bad
    bytes, and save the garbled text.
    """
    try:
        unquote_to_bytes(body).decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


class Utf8RequestMixin:
    """Adopt the Content-Type's charset only when it is UTF-8 (spelled "utf-8")."""

    def _set_content_type_params(self, meta):
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        if is_utf8(self.content_params.get("charset", "")):
            self.encoding = UTF8


class Utf8WSGIRequest(Utf8RequestMixin, WSGIRequest):
    pass


class Utf8ASGIRequest(Utf8RequestMixin, ASGIRequest):
    pass


class Utf8WSGIHandler(WSGIHandler):
    request_class = Utf8WSGIRequest


class Utf8ASGIHandler(ASGIHandler):
    request_class = Utf8ASGIRequest


def get_wsgi_application():
    """Django's get_wsgi_application(), with requests read as UTF-8."""
    django.setup(set_prefix=False)
    return Utf8WSGIHandler()


def get_asgi_application():
    """Django's get_asgi_application(), with requests read as UTF-8."""
    django.setup(set_prefix=False)
    return Utf8ASGIHandler()


class Utf8RequestMiddleware:
    """Answer 400 to a request declaring a charset other than UTF-8, or a form body in one.

    It runs before the CSRF check, the first reader of a form. The BadRequest it raises
    is answered by the portal's 400 view, which reads nothing from the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset")
        if charset is not None:
            if not is_utf8(charset):
                raise BadRequest(NOT_UTF8_CHARSET_MESSAGE)
            request.encoding = UTF8  # "UTF8" too: Django's form parser accepts only "utf-8"
        if request.method == "POST" and request.content_type == FORM_URLENCODED:
            try:
                body = request.body
            except UnreadablePostError:  # the client went away; the CSRF check answers
                return self.get_response(request)
            if not is_utf8_form(body):
                raise BadRequest(NOT_UTF8_BODY_MESSAGE)
        return self.get_response(request)
