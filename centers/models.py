"""Distribution centers and the staff who work at them (seed tables 1 and 4)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.db.constraints import choices_check
from core.scoping import center_scoped_manager


class CenterStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("center status", "Active")
    INACTIVE = "inactive", pgettext_lazy("center status", "Inactive")
    MAINTENANCE = "maintenance", pgettext_lazy("center status", "Maintenance")


class DistributionCenter(models.Model):
    Status = CenterStatus

    id = models.AutoField(primary_key=True, db_column="center_id")
    center_name = models.CharField(_("center name"), max_length=100)
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=50)
    zip_code = models.CharField(_("ZIP code"), max_length=10)
    phone_number = models.CharField(_("phone number"), max_length=20, null=True, blank=True)
    email = models.EmailField(_("email"), max_length=100, null=True, blank=True)
    capacity = models.IntegerField(
        _("capacity"), default=1000, db_default=1000, help_text=_("Max households served daily")
    )
    status = models.CharField(
        pgettext_lazy("staff or center status", "status"),
        max_length=11,
        choices=Status,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_default=Now())

    objects = center_scoped_manager("pk")

    class Meta:
        verbose_name = _("distribution center")
        verbose_name_plural = _("distribution centers")
        db_table = "Distribution_Centers"
        ordering = ["center_name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="chk_capacity"),
            choices_check("status", CenterStatus, name="chk_center_status"),
        ]

    def __str__(self):
        return f"{self.center_name} ({self.city})"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


CENTER_REQUIRED_MESSAGE = _("Choose the center this staff member works at (only admins have none).")


class StaffRole(models.TextChoices):
    ADMIN = "admin", pgettext_lazy("staff role", "Admin")
    MANAGER = "manager", pgettext_lazy("staff role", "Manager")
    WORKER = "worker", pgettext_lazy("staff role", "Worker")
    VOLUNTEER = "volunteer", pgettext_lazy("staff role", "Volunteer")


class StaffStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("staff status", "Active")
    INACTIVE = "inactive", pgettext_lazy("staff status", "Inactive")
    ON_LEAVE = "on_leave", pgettext_lazy("staff status", "On leave")


class StaffMember(models.Model):
    Role = StaffRole
    Status = StaffStatus

    id = models.AutoField(primary_key=True, db_column="staff_id")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        help_text=_("The login this staff member signs in with."),
    )
    first_name = models.CharField(_("first name"), max_length=50)
    last_name = models.CharField(_("last name"), max_length=50)
    email = models.EmailField(_("email"), max_length=100, unique=True)
    phone_number = models.CharField(_("phone number"), max_length=20, null=True, blank=True)
    role = models.CharField(
        _("role"),
        max_length=9,
        choices=Role,
        default=Role.WORKER,
        db_default=Role.WORKER,
        db_index=True,
    )
    center = models.ForeignKey(
        DistributionCenter,
        verbose_name=_("center"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Required for everyone but admins, who work at every center."),
    )
    hire_date = models.DateField(_("hire date"))
    # Blank: follow the browser. Kept on the staff record (not only in a cookie) so a
    # shared phone at the desk switches to each worker's language as they sign in.
    language = models.CharField(
        _("language"),
        max_length=7,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
    )
    status = models.CharField(
        pgettext_lazy("staff or center status", "status"),
        max_length=8,
        choices=Status,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_default=Now())

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        db_table = "Staff_Members"
        ordering = ["last_name", "first_name"]
        constraints = [
            choices_check("role", StaffRole, name="chk_staff_role"),
            choices_check("status", StaffStatus, name="chk_staff_status"),
            models.CheckConstraint(
                condition=models.Q(role=StaffRole.ADMIN) | models.Q(center__isnull=False),
                name="chk_staff_center_unless_admin",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.get_role_display()})"

    def clean(self):
        if self.role != self.Role.ADMIN and self.center_id is None:
            raise ValidationError({"center": CENTER_REQUIRED_MESSAGE})

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def is_admin(self):
        return self.role == self.Role.ADMIN

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    def works_at(self, center):
        """Return True if this staff member may act at `center` (admins act anywhere)."""
        return self.is_admin or (self.center_id is not None and self.center_id == center.pk)
