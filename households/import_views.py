"""Bulk registration pages: upload a file, watch its check, preview, import, report."""

import csv
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, View

from audit.models import ExportFormat
from audit.services import record_households_shown
from centers import policies
from core.mixins import PageMixin, StaffRequiredMixin
from core.spreadsheets import neutralise

from .import_files import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .import_jobs import (
    IMPORT_NOT_ALLOWED_MESSAGE,
    TOO_LARGE_MESSAGE,
    can_resume,
    cancel_import,
    confirm_import,
    is_stalled,
    is_waiting,
    resume_import,
    start_import,
)
from .import_models import MAX_IMPORT_BYTES, STORED_MESSAGES, HouseholdImport, RowVerdict
from .models import ProcessingBasis
from .selectors import import_result_rows, imports_for, previous_imports_of_file

# The report's machine column names, the same in every language.
REPORT_HEADER = ["row", "verdict", "household_id", "message"]
ROWS_PER_PAGE = 50
# A household a row's message names ("Possible duplicate of household #12: same
# family name (Hassan)"): its names and address may be in the message.
MENTIONED = re.compile(r"#([0-9]+)")


def households_named(rows):
    """The ids of the households the rows registered, duplicate or name, in row order."""
    ids = []
    for household_id, message in rows:
        ids.append(household_id)
        ids.extend(int(pk) for pk in MENTIONED.findall(message or ""))
    return ids


BASIS_COLUMNS = ("processing_basis", "consent_given_by", "basis_recorded_on")


def code_list(values):
    return format_html_join(", ", "<code>{}</code>", ((value,) for value in values))


def columns_help():
    """What the file's header row may name. The column names and values are the file's,
    the same in every language, so they are shown as code inside the translated text."""
    optional = [column for column in OPTIONAL_COLUMNS if column not in BASIS_COLUMNS]
    text = escape(
        gettext(
            "The first row names the columns, as the registration form does: %(required)s; "
            "optionally %(optional)s; the basis for processing: %(basis)s (one of %(bases)s), "
            "%(consent_by)s (required for consent) and %(recorded_on)s (default: today). "
            "A preferred language is a code: %(codes)s."
        )
    )
    # The translated text is escaped first; the pieces are format_html output.
    return mark_safe(
        text
        % {
            "required": code_list(REQUIRED_COLUMNS),
            "optional": code_list(optional),
            "basis": code_list(["processing_basis"]),
            "bases": code_list(ProcessingBasis.values),
            "consent_by": code_list(["consent_given_by"]),
            "recorded_on": code_list(["basis_recorded_on"]),
            "codes": code_list(code for code, _name in settings.LANGUAGES),
        }
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = columns_help()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                TOO_LARGE_MESSAGE,
                code="too_large",
                params={"megabytes": MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        return upload


class ImportStaffMixin(StaffRequiredMixin, PageMixin):
    permission_denied_message = IMPORT_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_import_households(self.staff)


class JobMixin(ImportStaffMixin):
    """A view about one import the staff member may see (404 otherwise)."""

    model = HouseholdImport

    @cached_property
    def job(self):
        return get_object_or_404(imports_for(self.staff), pk=self.kwargs["pk"])


class ImportListView(ImportStaffMixin, FormView):
    """Upload a file; the imports of the staff member's center, newest first."""

    title = _("Import households")
    template_name = "households/imports/import_list.html"
    form_class = UploadForm

    def get_breadcrumbs(self):
        return [(_("Households"), reverse("households:list")), (self.title, None)]

    def get_context_data(self, **kwargs):
        jobs = imports_for(self.staff).select_related("uploaded_by")[:50]
        return super().get_context_data(jobs=jobs, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = start_import(file_name=upload.name, data=upload.read(), staff=self.staff)
        except ValidationError as refused:
            form.add_error("file", refused)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("%(file_name)s uploaded; its rows are being checked.")
            % {"file_name": job.file_name},
        )
        return redirect(job.get_absolute_url())


class ImportDetailView(JobMixin, DetailView):
    """The job's state, progress, verdict counts and rows (the preview or the import's).

    The rows' messages name households already registered (and, for a possible
    duplicate, their names and address): each page view is one access-log entry.
    """

    template_name = "households/imports/import_detail.html"
    context_object_name = "job"

    def get_object(self, queryset=None):
        return self.job

    def get_title(self):
        return str(self.job)

    def get_breadcrumbs(self):
        return [
            (_("Households"), reverse("households:list")),
            (_("Import households"), reverse("households:imports")),
            (gettext("Import #%(number)s") % {"number": self.job.pk}, None),
        ]

    def get_context_data(self, **kwargs):
        verdict = self.request.GET.get("verdict", "")
        if verdict not in RowVerdict.values:
            verdict = ""
        rows = import_result_rows(self.job, verdict)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        record_households_shown(
            staff=self.staff,
            target="household import",
            household_ids=households_named((row.household_id, row.message) for row in page),
            params={"import": self.job.pk, "page": page.number},
        )
        return super().get_context_data(
            verdict=verdict,
            verdicts=RowVerdict.choices,
            page_obj=page,
            rows=page.object_list,
            previous=previous_imports_of_file(self.job),
            **job_state(self.job),
            **kwargs,
        )


def job_state(job):
    return {
        "waiting": is_waiting(job),
        "stalled": is_stalled(job),
        "resumable": can_resume(job),
    }


class ImportProgressView(JobMixin, DetailView):
    """The progress bar alone, polled by the page while the job runs; once the job
    stops running, the whole page reloads to show the outcome and its buttons."""

    template_name = "households/imports/_progress.html"
    context_object_name = "job"

    def get_object(self, queryset=None):
        return self.job

    def get_context_data(self, **kwargs):
        return super().get_context_data(**job_state(self.job), **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if not self.job.is_running and self.request.GET.get("running"):
            response["HX-Refresh"] = "true"
        return response


class JobActionView(JobMixin, View):
    """A button on the import page: POST only; a refusal is a message, not an error."""

    action = None
    done_message = ""

    def post(self, request, *args, **kwargs):
        try:
            self.action(job=self.job, staff=self.staff)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, self.done_message)
        return redirect(self.job.get_absolute_url())


class ConfirmImportView(JobActionView):
    action = staticmethod(confirm_import)
    done_message = _("Import started: the rows are registered in the background.")


class CancelImportView(JobActionView):
    action = staticmethod(cancel_import)
    done_message = _("Import cancelled.")


class ResumeImportView(JobActionView):
    action = staticmethod(resume_import)
    done_message = _("Resumed: the background worker continues where the job stopped.")


class ImportReportView(JobMixin, View):
    """Every row's verdict as CSV: the preview's, or the import's once confirmed;
    recorded in the access log (an export) before it is sent."""

    def get(self, request, *args, **kwargs):
        job = self.job
        rows = list(
            import_result_rows(job).values_list("row", "verdict", "household_id", "message")
        )
        record_households_shown(
            staff=self.staff,
            target="household import report",
            household_ids=households_named((row[2], row[3]) for row in rows),
            params={"import": job.pk},
            export_format=ExportFormat.CSV,
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"import-{job.pk}-{job.phase}-report.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response, lineterminator="\r\n")
        writer.writerow(REPORT_HEADER)
        for row in rows:
            message = STORED_MESSAGES.show(row[3]) if row[3] else ""
            writer.writerow([row[0], row[1], row[2], neutralise(message)])
        return response
