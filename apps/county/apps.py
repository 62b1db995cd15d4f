from django.apps import AppConfig


class CountyConfig(AppConfig):
    name = "apps.county"
    label = "county"
    verbose_name = "县级综合监管"
