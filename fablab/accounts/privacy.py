"""GDPR hooks: how apps above `accounts` add to a member's data export and erasure.

`accounts` sits at the bottom of the layers and cannot import the apps that hold
a member's bookings, credits or projects. Those apps register an exporter here
and listen to `account_erasing` (see their AppConfig.ready).
"""

from django.dispatch import Signal

_exporters = {}

# Sent inside the erasure transaction, before the account is anonymised, with
# `user`. Receivers erase or anonymise what they own and keep what the law
# requires (issued invoices keep the buyer's name frozen at issue time).
account_erasing = Signal()


def register_exporter(section, exporter):
    """`exporter(user)` returns JSON-serialisable data stored under `section`."""
    _exporters[section] = exporter


def exporters():
    return dict(_exporters)
