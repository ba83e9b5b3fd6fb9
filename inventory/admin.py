from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, RoleAdmin

from .models import (
    AidPackage,
    CurrentInventoryStatus,
    Inventory,
    StockLot,
    StockMovement,
    Transfer,
)
from .selectors import transfer_actors
from .services import MAX_REORDER_LEVEL, set_reorder_level


@admin.register(AidPackage)
class AidPackageAdmin(RoleAdmin):
    list_display = [
        "package_name",
        "category",
        "estimated_cost",
        "unit_weight_kg",
        "validity_period_days",
        "entitlement",
        "is_perishable",
        "is_active",
    ]
    list_filter = ["category", "is_perishable", "is_active"]
    search_fields = ["package_name", "description"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("Entitlement"))
    def entitlement(self, package):
        return package.entitlement_rule


@admin.register(Inventory)
class InventoryAdmin(RoleAdmin):
    """Stock rows. Quantities change only through restock, adjustment and distribution,
    each of which leaves an audit trail, so they are read-only here; managers may set
    their center's reorder levels."""

    manager_can_change = True

    list_display = [
        "center",
        "package",
        "quantity_on_hand",
        "reorder_level",
        "last_restock_date",
        "last_restock_quantity",
    ]
    list_filter = ["center", "package__category"]
    search_fields = ["center__center_name", "package__package_name"]
    list_select_related = ["center", "package"]
    readonly_fields = [
        "quantity_on_hand",
        "last_restock_date",
        "last_restock_quantity",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["center", "package"]
        return fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The range set_reorder_level() accepts: a form error here, not a 500 at save.
        if db_field.name == "reorder_level":
            kwargs.update(min_value=0, max_value=MAX_REORDER_LEVEL)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            set_reorder_level(
                inventory=obj, reorder_level=form.cleaned_data["reorder_level"], staff=request.staff
            )
        else:
            super().save_model(request, obj, form, change)


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    """Lots, read-only: restocks, distributions, write-offs and transfers change them."""

    list_display = ["inventory", "lot_code", "expiry_date", "quantity", "received_at"]
    list_filter = ["inventory__center", "inventory__package__category"]
    search_fields = [
        "lot_code",
        "inventory__package__package_name",
        "inventory__center__center_name",
    ]
    list_select_related = ["inventory__center", "inventory__package"]
    date_hierarchy = "expiry_date"


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "inventory",
        "kind",
        "reason",
        "quantity_change",
        "quantity_after",
        "lot",
        "staff_name",
        "staff_role",
    ]
    list_filter = ["kind", "reason", "inventory__center"]
    search_fields = ["inventory__package__package_name", "inventory__center__center_name", "notes"]
    list_select_related = ["inventory__center", "inventory__package", "lot"]
    date_hierarchy = "created_at"


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """Transfers, read-only: they change only through the portal's services, which write
    the movements. A transfer belongs to both its centers, so either's managers see it."""

    list_display = [
        "id",
        "dispatched_at",
        "source",
        "destination",
        "package",
        "quantity",
        "status",
        "quantity_received",
    ]
    list_filter = ["status", "source", "destination"]
    search_fields = ["package__package_name", "source__center_name", "destination__center_name"]
    list_select_related = ["source", "destination", "package"]
    date_hierarchy = "dispatched_at"
    # Who acted is shown as they were named then (the steps' movements keep it), not
    # through the staff keys, which would show today's names.
    exclude = ["dispatched_by", "received_by", "cancelled_by"]
    readonly_fields = ["sent_by", "received_by_then", "cancelled_by_then"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(getattr(request, "staff", None))

    @admin.display(description=_("sent by"))
    def sent_by(self, obj):
        return self._actor(obj, StockMovement.Kind.TRANSFER_OUT)

    @admin.display(description=_("received by"))
    def received_by_then(self, obj):
        return self._actor(obj, StockMovement.Kind.TRANSFER_IN)

    @admin.display(description=_("cancelled by"))
    def cancelled_by_then(self, obj):
        return self._actor(obj, StockMovement.Kind.TRANSFER_CANCELLED)

    def _actor(self, obj, kind):
        """The staff name the step's movement kept; "-" (the admin's empty value) if none."""
        if not hasattr(obj, "_kept_names"):
            obj._kept_names = transfer_actors(obj)
        return obj._kept_names.get(kind) or self.get_empty_value_display()


@admin.register(CurrentInventoryStatus)
class CurrentInventoryStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "center_name",
        "package_name",
        "quantity_on_hand",
        "reorder_level",
        "stock_status",
    ]
    list_filter = ["stock_status", "center_name"]
    search_fields = ["center_name", "package_name"]
