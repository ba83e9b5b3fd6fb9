"""Household cards on paper: the QR image and which households a printed sheet holds."""

import datetime

import segno
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.params import parse_id

from .models import Household

CARDS_PER_SHEET = 8  # two columns of four credit-card sized cards on A4
MAX_CARDS_PER_PRINT = 400
SELECTIONS = {
    "today": (_("Registered today"), 0),
    "week": (_("Registered in the last 7 days"), 6),
}


def qr_svg(code):
    """The card code alone as an inline SVG QR code, sized by CSS (no personal data)."""
    qr = segno.make_qr(code, error="m")  # a full QR code: phones do not read Micro QR
    return mark_safe(  # segno's own markup: only path data and our fixed class
        qr.svg_inline(scale=1, border=2, omitsize=True, svgclass="card-qr", lineclass=None)
    )


def selected_households(params):
    """(description, households) chosen by `?ids=1,2,3` (or `ids` repeated, from the
    household list's checkboxes) or `?registered=today|week`.

    Unknown ids are ignored; at most MAX_CARDS_PER_PRINT households, oldest first.
    """
    households = Household.objects.filter(status=Household.Status.ACTIVE)
    if params.get("registered") in SELECTIONS:
        label, days = SELECTIONS[params["registered"]]
        since = timezone.localdate() - datetime.timedelta(days=days)
        households = households.filter(registration_date__gte=since)
    else:
        values = params.getlist("ids") if hasattr(params, "getlist") else [params.get("ids", "")]
        parts = ",".join(str(value) for value in values).split(",")[:MAX_CARDS_PER_PRINT]
        ids = {parse_id(part) for part in parts}
        ids.discard(None)
        label = ngettext(
            "%(count)d selected household", "%(count)d selected households", len(ids)
        ) % {"count": len(ids)}
        households = households.filter(pk__in=ids)
    return label, list(households.order_by("id")[:MAX_CARDS_PER_PRINT])


def sheets(cards):
    """Split cards into A4 sheets of CARDS_PER_SHEET."""
    return [cards[i : i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]
