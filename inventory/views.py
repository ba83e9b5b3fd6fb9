"""Inventory pages: stock per center, restock, adjustments, reorder levels, packages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import (
    CreateView,
    DetailView,
    FormView,
    ListView,
    TemplateView,
    UpdateView,
)

from centers import policies
from centers.mixins import CenterScopedMixin
from centers.models import DistributionCenter
from core.mixins import PageMixin, StaffRequiredMixin

from .forms import AdjustmentForm, PackageForm, ReorderLevelForm, RestockForm
from .lot_models import EXPIRY_WARNING_DAYS, is_expired, utc_today
from .models import AidPackage, Inventory, StockMovement
from .selectors import InTransit, in_transit_by_package, lots_by_row
from .services import (
    NOT_ALLOWED_MESSAGE,
    PACKAGE_NOT_ALLOWED_MESSAGE,
    adjust_stock,
    restock,
    save_package,
    set_reorder_level,
)
from .stock import stock_rows


class StockView(CenterScopedMixin, PageMixin, TemplateView):
    """Stock at one center, its status and lots (expired and expiring flagged), units in
    transit from and to it, and the latest movements."""

    title = _("Inventory")
    template_name = "inventory/stock.html"

    def get_context_data(self, **kwargs):
        center = self.get_center()
        movements = StockMovement.objects.none()
        rows, incoming_only = [], []
        if center is not None:
            movements = StockMovement.objects.filter(inventory__center=center).select_related(
                "inventory__package", "transfer", "lot"
            )
            rows = stock_rows(center)
            in_transit = in_transit_by_package(center)
            lots = lots_by_row(center)
            for row in rows:
                row.in_transit = in_transit.pop(row.package_id, InTransit())
                row.stock_lots = lots.get(row.pk, [])
            # Packages on their way here that the center has never stocked.
            for package in AidPackage.objects.filter(pk__in=in_transit).order_by("package_name"):
                incoming_only.append((package, in_transit[package.pk]))
        return super().get_context_data(
            center=center,
            center_form=self.center_form,
            rows=rows,
            incoming_only=incoming_only,
            can_manage=center is not None and policies.can_manage_center(self.staff, center),
            movements=Paginator(movements, 25).get_page(self.request.GET.get("page")),
            restock_form=RestockForm(),
            expiry_warning_days=EXPIRY_WARNING_DAYS,
            **kwargs,
        )


class ManageCenterMixin(StaffRequiredMixin, PageMixin):
    """Stock forms: only managers of the center and admins, checked on GET and POST."""

    permission_denied_message = NOT_ALLOWED_MESSAGE

    def get_inventory_center(self):
        raise NotImplementedError

    def has_permission(self):
        return policies.can_manage_center(self.staff, self.get_inventory_center())

    def stock_url(self, center):
        return f"{reverse('inventory:stock')}?center={center.pk}"


class RestockView(ManageCenterMixin, FormView):
    form_class = RestockForm
    template_name = "inventory/stock_form.html"

    def get_inventory_center(self):
        self.center = get_object_or_404(DistributionCenter, pk=self.kwargs["center_pk"])
        return self.center

    def get_title(self):
        return gettext("Restock %(center)s") % {"center": self.center.center_name}

    def get_breadcrumbs(self):
        return [(gettext("Inventory"), self.stock_url(self.center)), (self.get_title(), None)]

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            inventory = restock(
                center=self.center,
                package=data["package"],
                quantity=data["quantity"],
                staff=self.staff,
                notes=data["notes"],
                lot_code=data["lot_code"],
                expiry_date=data["expiry_date"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        message = gettext("Added %(quantity)s × %(package)s; %(on_hand)s on hand.") % {
            "quantity": data["quantity"],
            "package": inventory.package.package_name,
            "on_hand": inventory.quantity_on_hand,
        }
        if is_expired(data["expiry_date"], utc_today()):
            message = f"{message} {gettext('They have already expired.')}"
        messages.success(self.request, message)
        return redirect(self.stock_url(self.center))


class InventoryFormView(ManageCenterMixin, FormView):
    """A form about one inventory row (adjustment, reorder level)."""

    template_name = "inventory/stock_form.html"

    def get_inventory_center(self):
        self.inventory = get_object_or_404(
            Inventory.objects.select_related("center", "package"), pk=self.kwargs["pk"]
        )
        return self.inventory.center

    def get_breadcrumbs(self):
        inventory_url = self.stock_url(self.inventory.center)
        return [(gettext("Inventory"), inventory_url), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(inventory=self.inventory, **kwargs)

    def form_valid(self, form):
        try:
            message = self.apply(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.stock_url(self.inventory.center))


class AdjustStockView(InventoryFormView):
    """Count corrections, and write-offs of expired or damaged units of one lot."""

    form_class = AdjustmentForm

    def get_title(self):
        return gettext("Adjust %(stock)s") % {"stock": self.inventory}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "inventory": self.inventory}

    def apply(self, data):
        movement = adjust_stock(
            inventory=self.inventory,
            delta=data["delta"],
            reason=data["reason"],
            staff=self.staff,
            notes=data["notes"],
            lot=data["lot"],
        )
        values = {
            "stock": self.inventory,
            "lot": data["lot"].describe() if data["lot"] else "",
            "change": f"{movement.quantity_change:+d}",
            "reason": movement.get_reason_display(),
            "on_hand": movement.quantity_after,
        }
        if data["lot"]:
            message = gettext(
                "Adjusted %(stock)s of %(lot)s by %(change)s (%(reason)s); %(on_hand)s on hand."
            )
        else:
            message = gettext("Adjusted %(stock)s by %(change)s (%(reason)s); %(on_hand)s on hand.")
        return message % values


class ReorderLevelView(InventoryFormView):
    form_class = ReorderLevelForm

    def get_initial(self):
        return {"reorder_level": self.inventory.reorder_level}

    def get_title(self):
        return gettext("Reorder level of %(stock)s") % {"stock": self.inventory}

    def apply(self, data):
        set_reorder_level(
            inventory=self.inventory, reorder_level=data["reorder_level"], staff=self.staff
        )
        return gettext("Reorder level of %(stock)s set to %(level)s.") % {
            "stock": self.inventory,
            "level": data["reorder_level"],
        }


class PackageListView(StaffRequiredMixin, PageMixin, ListView):
    title = pgettext_lazy("aid package", "Packages")
    model = AidPackage
    template_name = "inventory/package_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_edit=policies.can_manage_packages(self.staff), **kwargs)


class PackageFormMixin(StaffRequiredMixin, PageMixin):
    """Admins create and edit packages, entitlements included, in the portal."""

    model = AidPackage
    form_class = PackageForm
    template_name = "inventory/package_form.html"
    permission_denied_message = PACKAGE_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_manage_packages(self.staff)

    def form_valid(self, form):
        self.object = save_package(package=form.instance, staff=self.staff)
        message = gettext("%(package)s saved.") % {"package": self.object.package_name}
        messages.success(self.request, message)
        return redirect("inventory:package_detail", pk=self.object.pk)

    def get_breadcrumbs(self):
        return [
            (pgettext("aid package", "Packages"), reverse("inventory:packages")),
            (self.get_title(), None),
        ]


class PackageCreateView(PackageFormMixin, CreateView):
    title = _("New package")


class PackageUpdateView(PackageFormMixin, UpdateView):
    def get_title(self):
        return gettext("Edit %(package)s") % {"package": self.object.package_name}


class PackageDetailView(StaffRequiredMixin, PageMixin, DetailView):
    model = AidPackage
    template_name = "inventory/package_detail.html"

    def get_title(self):
        return self.object.package_name

    def get_breadcrumbs(self):
        return [
            (pgettext("aid package", "Packages"), reverse("inventory:packages")),
            (self.get_title(), None),
        ]

    def get_context_data(self, **kwargs):
        stock = self.object.inventory.select_related("center").order_by("center__center_name")
        stock = stock.restrict(self.staff)
        return super().get_context_data(
            stock=stock, can_edit=policies.can_manage_packages(self.staff), **kwargs
        )
