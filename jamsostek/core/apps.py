from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jamsostek.core"
    label = "core"
    verbose_name = "Core"
