from django.apps import AppConfig


class RuleLibraryConfig(AppConfig):
    name = "apps.controls.library"
    label = "rule_library"
    verbose_name = "县级风险规则库"
