"""Who hears about orders (rendered in the buyer's language, sent after the commit).

The invoice is linked, not attached: mail goes through the task queue, whose
arguments are JSON (text attachments only), and the legal copy is served from
the order page to its buyer.
"""

from fablab.core.email import email_user


def notify_order_paid(order):
    email_user(order.buyer, "billing/email/order_paid", {"order": order, "invoice": order.invoice})


def notify_order_invoiced(order):
    email_user(order.buyer, "billing/email/order_invoiced", {"order": order, "invoice": order.invoice})


def notify_order_refunded(order, amount_cents):
    email_user(order.buyer, "billing/email/order_refunded", {"order": order, "amount_cents": amount_cents})
