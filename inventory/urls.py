from django.urls import path

from . import transfer_views, views

app_name = "inventory"

urlpatterns = [
    path("", views.StockView.as_view(), name="stock"),
    path("centers/<int:center_pk>/restock/", views.RestockView.as_view(), name="restock"),
    path("<int:pk>/adjust/", views.AdjustStockView.as_view(), name="adjust"),
    path("<int:pk>/reorder-level/", views.ReorderLevelView.as_view(), name="reorder_level"),
    path("packages/", views.PackageListView.as_view(), name="packages"),
    path("packages/new/", views.PackageCreateView.as_view(), name="package_create"),
    path("packages/<int:pk>/", views.PackageDetailView.as_view(), name="package_detail"),
    path("packages/<int:pk>/edit/", views.PackageUpdateView.as_view(), name="package_edit"),
    path("transfers/", transfer_views.TransferListView.as_view(), name="transfers"),
    path(
        "centers/<int:center_pk>/transfer/",
        transfer_views.TransferCreateView.as_view(),
        name="transfer_create",
    ),
    path(
        "transfers/<int:pk>/", transfer_views.TransferDetailView.as_view(), name="transfer_detail"
    ),
    path(
        "transfers/<int:pk>/receive/",
        transfer_views.TransferReceiveView.as_view(),
        name="transfer_receive",
    ),
    path(
        "transfers/<int:pk>/cancel/",
        transfer_views.TransferCancelView.as_view(),
        name="transfer_cancel",
    ),
    path(
        "transfers/<int:pk>/waybill/",
        transfer_views.TransferWaybillView.as_view(),
        name="transfer_waybill",
    ),
]
