from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "permissions.catalog"
    label = "catalog"
    verbose_name = "县级职责模板"
