from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "apps.seals"
    label = "seals"
    verbose_name = "印章"

    def ready(self) -> None:
        from apps.seals import services  # noqa: F401  (registers the document type)
