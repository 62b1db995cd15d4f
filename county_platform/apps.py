from django.apps import AppConfig


class CountyPlatformConfig(AppConfig):
    name = "county_platform"
    verbose_name = "内控平台"
