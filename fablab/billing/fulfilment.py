"""Fulfilment handlers: what an order line does once its order is paid, refunded or cancelled.

Billing sits in the lowest layer and imports no domain app. An app that sells
something (training seats, school workshops) registers a handler for its
product kind in its AppConfig.ready():

    from fablab.billing import fulfilment
    from fablab.billing.models import ProductKind

    fulfilment.register(ProductKind.TRAINING_SEAT, SeatFulfilment())

and opens orders holding lines of that kind with `orders.order_open(...)`.
Billing calls the handler inside the transaction that changes the order, with
the order row locked: a handler may raise a DomainError to refuse (everything
rolls back), keeps to quick database work, and queues any mail with
`transaction.on_commit` (e.g. `fablab.notifications.services.notify`).
"""

from abc import ABC, abstractmethod


class Fulfilment(ABC):
    """Base class of the handlers; `fulfil` is required, the other hooks default to doing nothing."""

    @abstractmethod
    def fulfil(self, line, *, by=None):
        """The order of `line` was just paid: deliver what the line sold (once; the order is locked)."""

    def refunded(self, line, *, by=None):  # noqa: B027 (optional hook: nothing to take back by default)
        """`line.refunded_cents` just grew (a refund, VAT included): take back the matching share."""

    def cancelled(self, line, *, by=None):  # noqa: B027 (optional hook: nothing held by default)
        """The unpaid order of `line` was cancelled: release whatever the line held (a seat…)."""


_handlers = {}


def register(kind, handler):
    """Make `handler` (a `Fulfilment`) the one that fulfils order lines of `kind`."""
    _handlers[str(kind)] = handler


def handler_for(kind):
    """The handler of `kind`, or None when no app sells this kind of product."""
    return _handlers.get(str(kind))


def registered_kinds():
    return frozenset(_handlers)
