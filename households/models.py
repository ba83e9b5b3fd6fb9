"""Registered beneficiary households (seed table 3)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length, Now, Right
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.db.constraints import choices_check
from core.validators import NOTE_MAX_LENGTH, validate_has_letter, validate_plausible_date

from .fields import E164PhoneField
from .matching import EVIDENCE, PHONE_TAIL_DIGITS
from .phones import INVALID_PHONE_MESSAGE, is_tombstone_phone

DUPLICATE_PHONE_MESSAGE = _("A household with this phone number is already registered.")
VERIFIED_BEFORE_REGISTRATION_MESSAGE = _("The last verification cannot be before the registration.")
CONSENT_BY_MESSAGE = _("Say who gave consent (name, and relation to the household).")
BASIS_MISSING_MESSAGE = _("Choose the basis for processing this date is about.")
ANONYMISED_MESSAGE = _("This household was anonymised: its record can no longer be changed.")
# What replaces a name when a household is anonymised (names must hold a letter). A
# stored value, the same in every language.
TOMBSTONE_NAME = "Anonymised"
CONFIRMED_DUPLICATE_MESSAGE = _(
    "This household was confirmed as a duplicate of household #%(survivor)s: it stays "
    "inactive, and the family is served as #%(survivor)s."
)


# The short adjectives below agree with different nouns in other languages (an income,
# a priority, a household): each has the context of what it describes.
class HouseholdIncomeLevel(models.TextChoices):
    NO_INCOME = "no_income", pgettext_lazy("income level", "No income")
    VERY_LOW = "very_low", pgettext_lazy("income level", "Very low")
    LOW = "low", pgettext_lazy("income level", "Low")
    MODERATE = "moderate", pgettext_lazy("income level", "Moderate")


class HouseholdPriorityLevel(models.TextChoices):
    CRITICAL = "critical", pgettext_lazy("priority level", "Critical")
    HIGH = "high", pgettext_lazy("priority level", "High")
    MEDIUM = "medium", pgettext_lazy("priority level", "Medium")
    LOW = "low", pgettext_lazy("priority level", "Low")


class ProcessingBasis(models.TextChoices):
    """Why the household's personal data may be held: the lawful bases that fit aid work."""

    CONSENT = "consent", _("Consent")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (life or safety at stake)")
    PUBLIC_TASK = "public_task", _("Public interest or official mandate")
    LEGITIMATE_INTERESTS = "legitimate", _("Legitimate interests")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("household status", "Active")
    INACTIVE = "inactive", pgettext_lazy("household status", "Inactive")
    SUSPENDED = "suspended", pgettext_lazy("household status", "Suspended")


class Household(models.Model):
    IncomeLevel = HouseholdIncomeLevel
    PriorityLevel = HouseholdPriorityLevel
    Status = HouseholdStatus
    Basis = ProcessingBasis

    id = models.AutoField(primary_key=True, db_column="household_id")
    family_name = models.CharField(
        _("family name"), max_length=100, validators=[validate_has_letter]
    )
    primary_contact_name = models.CharField(
        _("primary contact name"), max_length=100, validators=[validate_has_letter]
    )
    phone_number = E164PhoneField(
        _("phone number"),
        max_length=20,
        unique=True,
        error_messages={"unique": DUPLICATE_PHONE_MESSAGE},
        help_text=_("Any spelling; stored in international E.164 form."),
    )
    email = models.EmailField(_("email"), max_length=100, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=50)
    zip_code = models.CharField(_("zip code"), max_length=10)
    family_size = models.IntegerField(_("family size"))
    income_level = models.CharField(_("income level"), max_length=9, choices=IncomeLevel)
    priority_level = models.CharField(
        _("priority level"),
        max_length=8,
        choices=PriorityLevel,
        default=PriorityLevel.MEDIUM,
        db_default=PriorityLevel.MEDIUM,
        db_index=True,
    )
    registration_date = models.DateField(
        _("registration date"), db_index=True, validators=[validate_plausible_date]
    )
    last_verified_date = models.DateField(
        _("last verified date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    status = models.CharField(
        _("status"),
        max_length=9,
        choices=Status,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
        db_index=True,
    )
    notes = models.TextField(
        _("notes"),
        max_length=NOTE_MAX_LENGTH,
        null=True,
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())
    # A confirmed duplicate points at the household it duplicates (always one that is
    # itself no duplicate); that household's eligibility counts its distributions.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="confirmed_duplicates",
    )
    # Set once, when the personal data was erased (households.services.anonymise_household).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # The lawful basis for holding the household's data, and when it was recorded;
    # registered before these existed, a household has none until someone records it.
    processing_basis = models.CharField(
        _("basis for processing"), max_length=16, choices=Basis, null=True, blank=True
    )
    consent_given_by = models.CharField(
        _("consent given by"),
        max_length=150,
        blank=True,
        default="",
        db_default="",
        help_text=_("Who gave consent, and their relation to the household."),
    )
    basis_recorded_on = models.DateField(
        _("basis recorded on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    # Blank: the household's printouts follow the language of whoever prints them
    # (core.i18n.household_language). No CHECK constraint: the languages are a setting,
    # and a language added to it must not need a migration.
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=7,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
        help_text=_("The language the household reads; its card and receipts print in it."),
    )
    # The phone's last digits, indexed: the matcher's look-up of a typo in the prefix.
    phone_tail = models.GeneratedField(
        expression=Right("phone_number", PHONE_TAIL_DIGITS),
        output_field=models.CharField(max_length=PHONE_TAIL_DIGITS),
        db_persist=True,
    )

    class Meta:
        db_table = "Households"
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["family_name", "id"]
        # Name search (households.selectors): a prefix of either name, listed by
        # family name. The primary key rides along in every secondary index, so both
        # answer "the first N (family_name, id) with this prefix" from the index alone.
        indexes = [
            models.Index(fields=["family_name"], name="idx_household_family_name"),
            models.Index(
                fields=["primary_contact_name", "family_name"],
                name="idx_household_contact_family",
            ),
            # Possible duplicates (households.duplicates): a city's distinct family
            # names, and a typo in a phone's prefix.
            models.Index(fields=["city", "family_name"], name="idx_household_city_family"),
            models.Index(fields=["phone_tail"], name="idx_household_phone_tail"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(family_size__gt=0), name="chk_family_size"),
            choices_check("income_level", HouseholdIncomeLevel, name="chk_household_income_level"),
            choices_check(
                "priority_level",
                HouseholdPriorityLevel,
                name="chk_household_priority_level",
            ),
            choices_check("status", HouseholdStatus, name="chk_household_status"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), NOTE_MAX_LENGTH),
                name="chk_household_notes_length",
            ),
            models.CheckConstraint(
                condition=models.Q(processing_basis__isnull=True)
                | models.Q(processing_basis__in=ProcessingBasis.values),
                name="chk_household_processing_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(processing_basis__isnull=True, basis_recorded_on__isnull=True)
                | models.Q(processing_basis__isnull=False, basis_recorded_on__isnull=False),
                name="chk_household_basis_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(processing_basis=ProcessingBasis.CONSENT)
                | ~models.Q(consent_given_by=""),
                name="chk_household_consent_by",
            ),
        ]

    def __str__(self):
        return gettext("%(family_name)s household (#%(number)s)") % {
            "family_name": self.family_name,
            "number": self.pk,
        }

    def get_absolute_url(self):
        return reverse("households:detail", args=[self.pk])

    def clean(self):
        registered, verified = self.registration_date, self.last_verified_date
        if registered and verified and verified < registered:
            raise ValidationError({"last_verified_date": VERIFIED_BEFORE_REGISTRATION_MESSAGE})
        if self.processing_basis == ProcessingBasis.CONSENT and not self.consent_given_by.strip():
            raise ValidationError({"consent_given_by": CONSENT_BY_MESSAGE})
        if self.processing_basis and self.basis_recorded_on is None:
            self.basis_recorded_on = timezone.now().date()  # recorded now, unless told when
        if self.basis_recorded_on is not None and not self.processing_basis:
            raise ValidationError({"processing_basis": BASIS_MISSING_MESSAGE})
        if is_tombstone_phone(self.phone_number) and self.anonymised_at is None:
            raise ValidationError(
                {"phone_number": INVALID_PHONE_MESSAGE % {"region": settings.PHONE_DEFAULT_REGION}}
            )
        self.check_status()

    def check_status(self):
        """A confirmed duplicate stays inactive: served on its own, it would let one
        family collect twice (the survivor is served instead)."""
        if self.duplicate_of_id is not None and self.status != self.Status.INACTIVE:
            raise ValidationError(
                {"status": CONFIRMED_DUPLICATE_MESSAGE % {"survivor": self.duplicate_of_id}}
            )

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    @property
    def lacks_basis(self):
        """No lawful basis for processing recorded (flagged on its page and in a filter)."""
        return not self.processing_basis and self.anonymised_at is None


# Card codes: no 0/O, 1/I/L, so a code read aloud or typed from a worn card is unambiguous.
CARD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CARD_CODE_LENGTH = 12


class HouseholdCard(models.Model):
    """A printed card whose code (and QR code) opens the household's visit in one scan.

    The code is random and carries no personal data. A household has one valid card
    at a time: issuing a new one (a lost card) revokes the previous one, and a scan of
    a revoked card says when it was revoked. `issued_by_name` keeps who issued it as
    they were named then, so renaming a staff member rewrites no past card (their role
    then is in the household's change history, which records every issue).
    """

    id = models.AutoField(primary_key=True, db_column="card_id")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cards")
    code = models.CharField(max_length=16, unique=True)
    issued_by = models.ForeignKey(
        "centers.StaffMember", on_delete=models.PROTECT, related_name="issued_cards"
    )
    issued_by_name = models.CharField(
        max_length=120,
        help_text=_("Who issued the card, as named then."),
        verbose_name=_("issued by (name then)"),
    )
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "Household_Cards"
        verbose_name = _("household card")
        verbose_name_plural = _("household cards")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["household", "revoked_at"], name="idx_card_household")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(issued_by_name=""), name="chk_card_issued_by_name"
            ),
        ]

    def __str__(self):
        return gettext("Card %(code)s of %(household)s") % {
            "code": self.display_code,
            "household": self.household,
        }

    @property
    def display_code(self):
        """The code in groups of four, as printed: 7K3M-Q9XR-2HPA."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class MemberSex(models.TextChoices):
    FEMALE = "female", pgettext_lazy("sex", "Female")
    MALE = "male", pgettext_lazy("sex", "Male")
    OTHER = "other", pgettext_lazy("sex", "Other")
    UNKNOWN = "unknown", pgettext_lazy("sex", "Unknown")


class MemberRelationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    NON_RELATIVE = "non_relative", _("Not related")


class HouseholdMember(models.Model):
    """A person of a household. When a household has members, its family size is
    their number (households.services keeps it so); members are optional."""

    Sex = MemberSex
    Relationship = MemberRelationship

    id = models.AutoField(primary_key=True, db_column="member_id")
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_has_letter])
    sex = models.CharField(_("sex"), max_length=7, choices=Sex, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, validators=[validate_plausible_date]
    )
    relationship_to_head = models.CharField(
        _("relationship to the head"), max_length=14, choices=Relationship
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        db_table = "Household_Members"
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household_id", "id"]
        constraints = [
            choices_check("sex", MemberSex, name="chk_member_sex"),
            choices_check("relationship_to_head", MemberRelationship, name="chk_member_relation"),
        ]

    def __str__(self):
        return self.full_name


MAX_ALTERNATES = 2


class AlternateCollector(models.Model):
    """Someone allowed to collect a household's basket besides its head (at most two)."""

    id = models.AutoField(primary_key=True, db_column="alternate_id")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="alternate_collectors"
    )
    member = models.ForeignKey(
        HouseholdMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField(max_length=150, validators=[validate_has_letter])
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        db_table = "Household_Alternate_Collectors"
        verbose_name = _("alternate collector")
        verbose_name_plural = _("alternate collectors")
        ordering = ["household_id", "id"]

    def __str__(self):
        return self.full_name


class DuplicateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("possible duplicate status", "Open")
    DISMISSED = "dismissed", _("Not duplicates")
    CONFIRMED = "confirmed", _("Confirmed duplicates")


class PossibleDuplicate(models.Model):
    """Two households the matcher (households.matching) thinks may be one family.

    The pair is kept once, lower id first, whatever its fate: a dismissed pair is
    never queued again. A manager or an admin decides; who and when stay on the row.
    """

    Status = DuplicateStatus

    id = models.AutoField(primary_key=True, db_column="pair_id")
    household_a = models.ForeignKey(
        Household, verbose_name=_("household A"), on_delete=models.PROTECT, related_name="+"
    )
    household_b = models.ForeignKey(
        Household, verbose_name=_("household B"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # English whoever found the pair; `shown_evidence` translates it (matching.EVIDENCE).
    evidence = models.TextField(_("evidence"), help_text=_("One sentence per line."))
    status = models.CharField(
        _("status"), max_length=9, choices=Status, default=Status.OPEN, db_default=Status.OPEN
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decided_by = models.ForeignKey(
        "centers.StaffMember",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        db_table = "Possible_Duplicates"
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["status", "score"], name="idx_possible_duplicate_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["household_a", "household_b"], name="uq_possible_duplicate_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(household_a__lt=models.F("household_b")),
                name="chk_possible_duplicate_order",
            ),
            choices_check("status", DuplicateStatus, name="chk_possible_duplicate_status"),
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="chk_possible_duplicate_score"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status=DuplicateStatus.OPEN, decided_at__isnull=True)
                    | (
                        ~models.Q(status=DuplicateStatus.OPEN)
                        & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                    )
                ),
                name="chk_possible_duplicate_decided",
            ),
        ]

    def __str__(self):
        return gettext("Households #%(a)s and #%(b)s (%(score)s)") % {
            "a": self.household_a_id,
            "b": self.household_b_id,
            "score": self.score,
        }

    @property
    def evidence_lines(self):
        """The evidence as stored (English), one sentence each."""
        return [line for line in self.evidence.splitlines() if line.strip()]

    @property
    def shown_evidence(self):
        """The evidence in the reader's language."""
        return [EVIDENCE.show(line) for line in self.evidence_lines]


# The portal's bulk registrations live in their own module; importing them here
# registers them with the app.
from .import_models import HouseholdImport, HouseholdImportRow  # noqa: E402, F401
