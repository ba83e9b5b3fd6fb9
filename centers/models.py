"""Distribution centers and the staff who work at them (seed tables 1 and 4)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now

from core.db.constraints import choices_check
from core.scoping import center_scoped_manager


class CenterStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    MAINTENANCE = "maintenance", "Maintenance"


class DistributionCenter(models.Model):
    Status = CenterStatus

    id = models.AutoField(primary_key=True, db_column="center_id")
    center_name = models.CharField(max_length=100)
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=100, db_index=True)
    state = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10)
    phone_number = models.CharField(max_length=20, null=True, blank=True)
    email = models.EmailField(max_length=100, null=True, blank=True)
    capacity = models.IntegerField(
        default=1000, db_default=1000, help_text="Max households served daily"
    )
    status = models.CharField(
        max_length=11,
        choices=Status,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    objects = center_scoped_manager("pk")

    class Meta:
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


CENTER_REQUIRED_MESSAGE = "Choose the center this staff member works at (only admins have none)."


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    WORKER = "worker", "Worker"
    VOLUNTEER = "volunteer", "Volunteer"


class StaffStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ON_LEAVE = "on_leave", "On leave"


class StaffMember(models.Model):
    Role = StaffRole
    Status = StaffStatus

    id = models.AutoField(primary_key=True, db_column="staff_id")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        help_text="The login this staff member signs in with.",
    )
    first_name = models.CharField(max_length=50)
    last_name = models.CharField(max_length=50)
    email = models.EmailField(max_length=100, unique=True)
    phone_number = models.CharField(max_length=20, null=True, blank=True)
    role = models.CharField(
        max_length=9,
        choices=Role,
        default=Role.WORKER,
        db_default=Role.WORKER,
        db_index=True,
    )
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Required for everyone but admins, who work at every center.",
    )
    hire_date = models.DateField()
    status = models.CharField(
        max_length=8,
        choices=Status,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    objects = center_scoped_manager("center")

    class Meta:
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
