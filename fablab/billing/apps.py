from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "fablab.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from fablab.accounts import privacy
        from fablab.billing import fulfilment
        from fablab.billing.credit_packs import CreditPackFulfilment, credit_packs_expire
        from fablab.billing.models import ProductKind
        from fablab.billing.privacy import erase_stripe_payloads
        from fablab.billing.selectors import invoices_for_personal_data, orders_for_personal_data
        from fablab.core.periodic import register_job

        # Erasure keeps invoices: documents keep the buyer frozen at issue time, as the law requires.
        privacy.register_exporter("invoices", invoices_for_personal_data)
        privacy.register_exporter("orders", orders_for_personal_data)
        privacy.account_erasing.connect(erase_stripe_payloads, dispatch_uid="billing.erase_stripe_payloads")

        fulfilment.register(ProductKind.CREDIT_PACK, CreditPackFulfilment())
        register_job("billing.expire_credit_packs", lambda: f"{credit_packs_expire()} credit lot(s) expired")
