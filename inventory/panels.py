"""What the inventory app adds to other apps' pages (see core.hooks)."""

from core import hooks

from .stock import stock_rows


@hooks.register(hooks.CENTER_PANELS)
def center_stock(request, center, staff):
    """The center's stock rows with their status, worst first."""
    return hooks.Panel("inventory/_center_panel.html", {"rows": stock_rows(center)})
