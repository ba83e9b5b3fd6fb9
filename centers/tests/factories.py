import datetime

import factory
from django.contrib.auth import get_user_model

from centers.models import DistributionCenter, StaffMember


class DistributionCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributionCenter

    center_name = factory.Sequence(lambda n: f"Center {n}")
    address = factory.Sequence(lambda n: f"{n} Market Street")
    city = "Springfield"
    state = "IL"
    zip_code = "62701"
    capacity = 500


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Tester"
    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    role = StaffMember.Role.WORKER
    center = factory.SubFactory(DistributionCenterFactory)
    hire_date = datetime.date(2024, 1, 15)
