"""Transfer pages: a center's transfers, sending stock, one transfer with its receipt and
cancel forms, and its printable waybill."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View

from centers import policies
from centers.mixins import CenterScopedMixin
from centers.models import DistributionCenter
from core.mixins import PageMixin, StaffRequiredMixin

from .forms import ReceiveTransferForm, TransferForm
from .models import Transfer
from .selectors import transfer_actors, transfer_lots, transfers_of
from .transfers import (
    CANCEL_NOT_ALLOWED_MESSAGE,
    DISPATCH_NOT_ALLOWED_MESSAGE,
    RECEIVE_NOT_ALLOWED_MESSAGE,
    cancel_transfer,
    dispatch_transfer,
    receive_transfer,
)


def transfers_url(center=None):
    url = reverse("inventory:transfers")
    return f"{url}?center={center.pk}" if center is not None else url


class TransferListView(CenterScopedMixin, PageMixin, TemplateView):
    """A center's transfers both ways, those still in transit first, overdue ones flagged."""

    title = _("Transfers")
    template_name = "inventory/transfer_list.html"

    def get_context_data(self, **kwargs):
        center = self.get_center()
        transfers = transfers_of(center) if center is not None else Transfer.objects.none()
        page = Paginator(transfers, 25).get_page(self.request.GET.get("page"))
        for transfer in page:
            transfer.direction = transfer.direction_for(center)
        return super().get_context_data(
            center=center,
            center_form=self.center_form,
            page_obj=page,
            overdue_days=settings.TRANSFER_OVERDUE_DAYS,
            can_send=center is not None and policies.can_send_stock(self.staff, center),
            **kwargs,
        )


class TransferCreateView(StaffRequiredMixin, PageMixin, FormView):
    """Send stock from one center: managers of that center and admins, on GET and POST."""

    form_class = TransferForm
    template_name = "inventory/transfer_form.html"
    permission_denied_message = DISPATCH_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        self.source = get_object_or_404(DistributionCenter, pk=self.kwargs["center_pk"])
        return policies.can_send_stock(self.staff, self.source)

    def get_title(self):
        return gettext("Send stock from %(center)s") % {"center": self.source.center_name}

    def get_breadcrumbs(self):
        return [(gettext("Transfers"), transfers_url(self.source)), (self.get_title(), None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "source": self.source}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            transfer = dispatch_transfer(
                source=self.source,
                destination=data["destination"],
                package=data["package"],
                quantity=data["quantity"],
                staff=self.staff,
                notes=data["notes"],
                lot=data["lot"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        message = gettext(
            "%(number)s: %(quantity)s × %(package)s sent to %(center)s. "
            "Print the waybill to go with it."
        ) % {
            "number": transfer.number,
            "quantity": transfer.quantity,
            "package": transfer.package.package_name,
            "center": transfer.destination.center_name,
        }
        messages.success(self.request, message)
        return redirect("inventory:transfer_detail", pk=transfer.pk)


class TransferMixin(StaffRequiredMixin):
    """A page about one transfer: 404 unless it is to or from the staff member's center.

    `allowed(transfer)` then says whether this staff member may do what the page does.
    """

    model = Transfer

    def has_permission(self):
        transfers = Transfer.objects.restrict(self.staff).select_related(
            "source", "destination", "package"
        )
        self.transfer = get_object_or_404(transfers, pk=self.kwargs["pk"])
        return self.allowed(self.transfer)

    def allowed(self, transfer):
        return True

    def detail_url(self):
        return reverse("inventory:transfer_detail", args=[self.transfer.pk])


class TransferDetailView(TransferMixin, PageMixin, TemplateView):
    """One transfer, its movements, and the receive or cancel form for who may use them."""

    template_name = "inventory/transfer_detail.html"

    def get_title(self):
        return gettext("Transfer %(number)s") % {"number": self.transfer.number}

    def get_breadcrumbs(self):
        center = self.staff.center if not self.staff.is_admin else self.transfer.source
        return [(gettext("Transfers"), transfers_url(center)), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        transfer = self.transfer
        can_receive = transfer.is_in_transit and policies.can_receive_stock(
            self.staff, transfer.destination
        )
        if can_receive:
            kwargs.setdefault("receive_form", ReceiveTransferForm(transfer=transfer))
        return super().get_context_data(
            transfer=transfer,
            transfer_lots=transfer_lots(transfer),
            kept_names=transfer_actors(transfer),
            movements=transfer.movements.select_related("inventory__center").order_by(
                "created_at", "id"
            ),
            can_receive=can_receive,
            can_cancel=transfer.is_in_transit
            and policies.can_send_stock(self.staff, transfer.source),
            **kwargs,
        )


class TransferReceiveView(TransferDetailView):
    """Record what arrived (POST from the transfer's page, which shows any errors)."""

    http_method_names = ["post"]
    permission_denied_message = RECEIVE_NOT_ALLOWED_MESSAGE

    def allowed(self, transfer):
        return policies.can_receive_stock(self.staff, transfer.destination)

    def post(self, request, *args, **kwargs):
        form = ReceiveTransferForm(request.POST, transfer=self.transfer)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(receive_form=form))
        data = form.cleaned_data
        try:
            transfer = receive_transfer(
                transfer=self.transfer,
                quantity_received=data["quantity_received"],
                staff=self.staff,
                notes=data["notes"],
                loss_reason=data["loss_reason"] or None,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.detail_url())
        values = {
            "number": transfer.number,
            "received": transfer.quantity_received,
            "lost": transfer.shortfall,
        }
        message = ngettext(
            "%(number)s received: %(received)s unit added.",
            "%(number)s received: %(received)s units added.",
            transfer.quantity_received,
        )
        if transfer.shortfall:
            lost = gettext("%(lost)s recorded as lost in transit.")
            message = f"{message} {lost}"
        messages.success(request, message % values)
        return redirect(self.detail_url())


class TransferCancelView(TransferMixin, View):
    """Call back a transfer before it arrives; its units return to the source."""

    http_method_names = ["post"]
    permission_denied_message = CANCEL_NOT_ALLOWED_MESSAGE

    def allowed(self, transfer):
        return policies.can_send_stock(self.staff, transfer.source)

    def post(self, request, *args, **kwargs):
        try:
            transfer = cancel_transfer(transfer=self.transfer, staff=self.staff)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            message = ngettext(
                "%(number)s cancelled: %(quantity)s unit is back at %(center)s.",
                "%(number)s cancelled: %(quantity)s units are back at %(center)s.",
                transfer.quantity,
            )
            values = {
                "number": transfer.number,
                "quantity": transfer.quantity,
                "center": transfer.source.center_name,
            }
            messages.success(request, message % values)
        return redirect(self.detail_url())


class TransferWaybillView(TransferMixin, TemplateView):
    """The waybill that travels with the goods: what, from where, to where, and signatures."""

    template_name = "inventory/transfer_waybill.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            transfer=self.transfer,
            transfer_lots=transfer_lots(self.transfer),
            kept_names=transfer_actors(self.transfer),
            title=gettext("Waybill %(number)s") % {"number": self.transfer.number},
            **kwargs,
        )
