from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "apps.budget"
    label = "budget"
    verbose_name = "预算"

    def ready(self) -> None:
        from apps.budget import adjustments, revenue  # noqa: F401  (register the document types)
