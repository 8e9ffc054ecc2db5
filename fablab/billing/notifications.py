"""Who hears about orders (rendered in the buyer's language, sent after the commit).

The invoice is linked, not attached: mail goes through the task queue, whose
arguments are JSON (text attachments only), and the legal copy is served from
the order page to its buyer.
"""

from fablab.notifications.services import notify


def notify_order_paid(order):
    notify(order.buyer, "payment_received", "billing/email/order_paid", {"order": order, "invoice": order.invoice})


def notify_order_invoiced(order):
    notify(order.buyer, "invoice_issued", "billing/email/order_invoiced", {"order": order, "invoice": order.invoice})


def notify_order_refunded(order, amount_cents):
    notify(order.buyer, "refund_issued", "billing/email/order_refunded", {"order": order, "amount_cents": amount_cents})
