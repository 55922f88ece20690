from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "palermo.common"
    label = "common"
