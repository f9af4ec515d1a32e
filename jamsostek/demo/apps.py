from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jamsostek.demo"
    label = "demo"
    verbose_name = "Demo data"
