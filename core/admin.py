"""The base of every ModelAdmin: permissions follow the staff member's role.

Access comes from the staff member's role, read fresh on every request, not from
Django's per-user permissions: admins see everything, managers see their own
center's rows and may change only what their role allows, nobody else gets in.
`request.staff` (core.middleware) is read through its attributes (`is_active`,
`is_admin`, `is_manager`, `center_id`), so this module imports no app.
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from .fields import strict_field_kwargs
from .scoping import is_center_scoped


def _staff(request):
    staff = getattr(request, "staff", None)
    return staff if staff is not None and staff.is_active else None


def is_admin(request):
    staff = _staff(request)
    return staff is not None and staff.is_admin


def is_manager(request):
    staff = _staff(request)
    return staff is not None and staff.is_manager


# Phone numbers in the admin are always someone else's (a center's, a staff member's, a
# household's): a phone keypad, and no autofill with the signed-in admin's own number.
PHONE_FIELDS = ("phone_number",)
PHONE_INPUT_ATTRS = {"inputmode": "tel", "autocomplete": "off"}

# The date drill-down of a changelist (`?<field>__year=&__month=&__day=`): the values
# Django 5.2 can turn into a date range. It catches only ValueError while doing so, and
# adds a year outside its try, so `__year=9999` or `__year=99999999999` was a 500 (Django
# ticket #37357, fixed after 5.2.19); out of range is answered here as Django answers
# any other bad lookup: a redirect to `?e=1`.
DATE_DRILLDOWN_RANGES = {
    "__year": (datetime.MINYEAR, datetime.MAXYEAR - 1),
    "__month": (1, 12),
    "__day": (1, 31),
}


def bad_date_drilldown(query):
    for key, values in query.lists():
        for suffix, (low, high) in DATE_DRILLDOWN_RANGES.items():
            if key.endswith(suffix):
                for value in values:
                    if not (value.isascii() and value.isdigit() and len(value) <= 5):
                        return True
                    if not low <= int(value) <= high:
                        return True
    return False


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django admin's autocomplete <select>, which a tampered POST cannot turn into a 500.

    When a form is shown again, Django's widget looks the submitted value up to show
    it selected; a value that is no valid key ("abc" for an integer id) raised a
    ValueError there. Such a value is shown as no choice; the form field reports it
    as an invalid choice anyway.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(remote.field_name)

        def is_key(candidate):
            try:
                target.run_validators(target.to_python(candidate))
            except ValidationError:
                return False
            return True

        return super().optgroups(name, [v for v in value if is_key(v)], attr)


class RoleAdmin(admin.ModelAdmin):
    """ModelAdmin whose permissions follow the role matrix.

    A model tied to a center has a queryset with `restrict(staff)` (core.scoping);
    managers see only rows of their own center. Models without one (households,
    packages) are shared by every center.
    """

    manager_can_add = False
    manager_can_change = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not is_center_scoped(queryset):
            return queryset
        return queryset.restrict(_staff(request))

    def _in_scope(self, request, obj):
        if obj is None or is_admin(request):
            return True
        queryset = self.get_queryset(request)
        return not is_center_scoped(queryset) or queryset.filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return is_admin(request) or is_manager(request)

    def has_view_permission(self, request, obj=None):
        return is_admin(request) or (is_manager(request) and self._in_scope(request, obj))

    def has_add_permission(self, request):
        return is_admin(request) or (is_manager(request) and self.manager_can_add)

    def has_change_permission(self, request, obj=None):
        if is_admin(request):
            return True
        return is_manager(request) and self.manager_can_change and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service's refusal at save time (e.g. a household registered a moment ago with
        the same phone) is a message on the form's page, not a 500; nothing is saved."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Strict numbers and bounded dates, as in the portal's own forms; a phone keypad
        for phone numbers."""
        kwargs = strict_field_kwargs(db_field, kwargs)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in PHONE_FIELDS:
            field.widget.attrs.update(PHONE_INPUT_ATTRS)
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(RoleAdmin):
    """Admin for append-only logs and database views: nobody adds, changes or deletes.

    The database enforces this too (triggers, views); refusing here keeps the
    admin from offering buttons that could only fail.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
