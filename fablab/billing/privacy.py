"""What billing erases with an account: the copies of Stripe events, which hold the buyer's name and email.

Orders, payments and invoices stay (accounting law); invoices keep the buyer
frozen at issue time, orders only point at the anonymised account.
"""

from fablab.billing.models import StripeEvent


def erase_stripe_payloads(sender, user, **kwargs):
    StripeEvent.objects.filter(order__buyer=user).update(payload={})
