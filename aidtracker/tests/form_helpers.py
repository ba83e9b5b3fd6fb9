"""Helpers shared by the form tests (test_forms_*.py): sign-in, form errors, stock on hand.

Every refused POST in those tests is checked against a snapshot of stock, logs,
movements and households (`db_state`), so "refused cleanly" means "and nothing changed".
"""

from inventory.models import Inventory

REQUIRED = "This field is required."
WHOLE_NUMBER = "Enter a whole number."


def signed_in(client, world, role):
    client.force_login(world.staff[role].user)
    return client


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def non_field_errors(response):
    return list(response.context["form"].non_field_errors())


def on_hand(inventory):
    return Inventory.objects.get(pk=inventory.pk).quantity_on_hand
