"""Choosing the portal's language: a cookie for everyone, the staff record once signed in."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.services import set_language
from core.i18n import is_supported


def _next_url(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@require_POST
def choose_language(request):
    """Switch language; a signed-in staff member's choice is kept on their record.

    An empty choice means "follow my browser". Anything else not offered is refused
    with a message and changes nothing.
    """
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_next_url(request))
    if code and not is_supported(code):
        messages.error(request, _("That language is not offered."))
        return response
    staff = getattr(request, "staff", None)
    if staff is not None:
        try:
            set_language(staff=staff, language=code)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return response
    if code:
        translation.activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
