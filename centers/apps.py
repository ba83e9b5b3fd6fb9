from django.apps import AppConfig


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = "Centers and staff"
