import datetime

import factory

from households.models import Household


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    family_name = factory.Sequence(lambda n: f"Family{n}")
    primary_contact_name = factory.LazyAttribute(lambda o: f"Ana {o.family_name}")
    phone_number = factory.Sequence(lambda n: f"+1 202 555 {n % 10000:04d}")
    address = factory.Sequence(lambda n: f"{n} Elm Street")
    city = "Springfield"
    state = "IL"
    zip_code = "62701"
    family_size = 4
    income_level = Household.IncomeLevel.LOW
    registration_date = datetime.date(2025, 1, 10)
