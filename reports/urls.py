from django.urls import path

from . import movement_views, subject_access, views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("monthly/", views.MonthlySummaryView.as_view(), name="monthly"),
    path("monthly/people/", views.MonthlyPeopleView.as_view(), name="monthly_people"),
    path("stock/", views.StockStatusView.as_view(), name="stock"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("owed/", views.OwedItemsView.as_view(), name="owed"),
    path("movements/", movement_views.StockMovementReportView.as_view(), name="movements"),
    path(
        "households/<int:pk>/subject-access/",
        subject_access.SubjectAccessView.as_view(),
        name="subject_access",
    ),
]
