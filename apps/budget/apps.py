from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "apps.budget"
    label = "budget"
    verbose_name = "预算"
