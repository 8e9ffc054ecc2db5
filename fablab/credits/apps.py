from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "fablab.credits"
    label = "credits"
    verbose_name = _("Time credits")
