from django.apps import AppConfig


class ExpenditureConfig(AppConfig):
    name = "apps.expenditure"
    label = "expenditure"
    verbose_name = "支出"

    def ready(self) -> None:
        from apps.expenditure import services  # noqa: F401  (registers the document type)
