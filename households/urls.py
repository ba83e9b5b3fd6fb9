from django.urls import path

from . import card_views, duplicate_views, import_views, member_views, views

app_name = "households"

urlpatterns = [
    path("", views.HouseholdListView.as_view(), name="list"),
    path("duplicates/", duplicate_views.DuplicateQueueView.as_view(), name="duplicates"),
    path(
        "duplicates/<int:pk>/confirm/",
        duplicate_views.DuplicateDecisionView.as_view(decision="confirm"),
        name="duplicate_confirm",
    ),
    path(
        "duplicates/<int:pk>/dismiss/",
        duplicate_views.DuplicateDecisionView.as_view(decision="dismiss"),
        name="duplicate_dismiss",
    ),
    path("new/", views.HouseholdCreateView.as_view(), name="create"),
    path("<int:pk>/", views.HouseholdDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.HouseholdUpdateView.as_view(), name="edit"),
    path("<int:pk>/status/", views.HouseholdStatusView.as_view(), name="status"),
    path("<int:pk>/card/", card_views.HouseholdCardView.as_view(), name="card"),
    path("<int:pk>/card/issue/", card_views.IssueCardView.as_view(), name="issue_card"),
    path("cards/", card_views.CardSheetView.as_view(), name="card_sheet"),
    path("<int:pk>/members/new/", member_views.MemberCreateView.as_view(), name="member_add"),
    path("members/<int:pk>/edit/", member_views.MemberUpdateView.as_view(), name="member_edit"),
    path("members/<int:pk>/remove/", member_views.MemberDeleteView.as_view(), name="member_remove"),
    path(
        "<int:pk>/alternates/",
        member_views.AlternateCollectorsView.as_view(),
        name="alternates",
    ),
    path("imports/", import_views.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/progress/",
        import_views.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path(
        "imports/<int:pk>/confirm/", import_views.ConfirmImportView.as_view(), name="import_confirm"
    ),
    path("imports/<int:pk>/cancel/", import_views.CancelImportView.as_view(), name="import_cancel"),
    path("imports/<int:pk>/resume/", import_views.ResumeImportView.as_view(), name="import_resume"),
    path(
        "imports/<int:pk>/report.csv", import_views.ImportReportView.as_view(), name="import_report"
    ),
]
