from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fablab.core"
    label = "core"
    verbose_name = "Core"
