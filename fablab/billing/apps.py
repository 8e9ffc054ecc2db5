from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "fablab.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from fablab.accounts import privacy
        from fablab.billing.selectors import invoices_for_personal_data

        # Erasure needs no receiver: documents keep the buyer frozen at issue time, as the law requires.
        privacy.register_exporter("invoices", invoices_for_personal_data)
