from django.urls import path

from . import views, visit_views

app_name = "distribution"

urlpatterns = [
    path("new/", views.DistributionCreateView.as_view(), name="new"),
    path("new/household/", views.HouseholdPickerView.as_view(), name="household_picker"),
    path("new/check/", views.DistributionCheckView.as_view(), name="check"),
    path("scan/", visit_views.ScanCardView.as_view(), name="scan"),
    path("visit/<int:household>/", visit_views.VisitView.as_view(), name="visit"),
    path("visits/<int:pk>/", visit_views.VisitReceiptView.as_view(), name="visit_receipt"),
    path("log/", views.DistributionLogView.as_view(), name="log"),
    path("log/<int:pk>/", views.DistributionReceiptView.as_view(), name="receipt"),
    path("log/<int:pk>/void/", views.VoidDistributionView.as_view(), name="void"),
]
