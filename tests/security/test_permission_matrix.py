"""Every URL of the site × every role × GET and an empty POST, checked against one table.

An outcome per role, in the order of `ROLES`: anonymous, member (who owns the objects),
another member, trainer, staff of another lab, staff of the lab, superuser, teacher (a
visitor holding a school workshop's private link). `200`, `404`… are status codes; `L`
is a redirect to the sign-in page, `R` any other redirect (the action done), `A` a
redirect to the admin's sign-in page.

The policy the table spells out: HTML pages send anonymous visitors to sign in, the API
answers them 401; another member's bookings, orders, invoices, entries, contributions,
enrollments and waiting-list entries are 404 (their existence is not revealed); staff
pages answer 403 to people with no staff role and 404 for the objects of another lab.
POSTs carry an empty body: the allowed role reaches the form (400) or the action (`R`,
200), the others are refused before any validation.

Projects are public: on a published project, whoever may not edit or moderate it gets 403.
Any signed-in member comments and reports; the staff of the project's lab moderate.

A URL pattern missing from the table fails `test_every_url_is_in_the_table`; the admin has
its own table (`ADMIN_MODELS`), and a row the site does not meet yet is in `KNOWN_GAPS`.
"""

import pytest
import time_machine
from django.contrib import admin
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.cast import NOW, ROLES, Cast
from tests.security.matrix_harness import client_for, row, visit


def _none(c, r):
    return {}


def _pk(attr):
    return lambda c, r: {"pk": getattr(c, attr).pk}


def _slug(value):
    return lambda c, r: {"slug": value}


def _teacher_link(c, r):
    """The teacher holds the private link; everyone else tries a made-up one."""
    return {"token": c.teacher_token if r == "teacher" else "made-up-token-0123456789"}


def _calendar(c, r):
    """The member's feed URL is their secret; the others try a made-up one."""
    return {"token": c.member.calendar_token if r == "member" else "made-up-token-0123456789"}


TABLE = {
    # accounts
    "accounts:profile": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "accounts:set_language": (_none, "405 405 405 405 405 405 405 405", "R R R R R R R R"),
    "accounts:calendar_token_revoke": (_none, "L 405 405 405 405 405 405 L", "L R R R R R R L"),
    "accounts:privacy": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "accounts:personal_data": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "accounts:delete": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "notifications:preferences": (_none, "L 200 200 200 200 200 200 L", "L R R R R R R L"),
    "account_login": (_none, "200 R R R R R R 200", "200 R R R R R R 200"),
    "account_logout": (_none, "R 200 200 200 200 200 200 R", "R R R R R R R R"),
    "account_inactive": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "account_signup": (_none, "200 R R R R R R 200", "200 R R R R R R 200"),
    "account_reauthenticate": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "account_email": (_none, "L 200 200 200 200 200 200 L", "L R R R R R R L"),
    "account_email_verification_sent": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "account_change_password": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "account_set_password": (_none, "L R R R R R R L", "L R R R R R R L"),
    "account_reset_password": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "account_confirm_login_code": (_none, "L R R R R R R L", "L R R R R R R L"),
    "account_confirm_email": (
        lambda c, r: {"key": "made-up-key"},
        "200 200 200 200 200 200 200 200",
        "404 404 404 404 404 404 404 404",
    ),
    "account_reset_password_from_key_done": (
        _none,
        "200 200 200 200 200 200 200 200",
        "405 405 405 405 405 405 405 405",
    ),
    "account_reset_password_from_key": (
        lambda c, r: {"uidb36": "1", "key": "made-up-key"},
        "200 200 200 200 200 200 200 200",
        "200 200 200 200 200 200 200 200",
    ),
    "account_reset_password_done": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "mfa_index": (_none, "L 200 200 200 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "mfa_authenticate": (_none, "L R R R R R R L", "L R R R R R R L"),
    "mfa_reauthenticate": (_none, "L R R R R R R L", "L R R R R R R L"),
    "mfa_activate_totp": (_none, "L R R R R R R L", "L R R R R R R L"),
    "mfa_deactivate_totp": (_none, "L 404 404 404 404 404 404 L", "L 404 404 404 404 404 404 L"),
    "mfa_view_recovery_codes": (_none, "L 404 404 404 404 404 404 L", "L 405 405 405 405 405 405 L"),
    "mfa_generate_recovery_codes": (_none, "L R R R R R R L", "L R R R R R R L"),
    "mfa_download_recovery_codes": (_none, "L 404 404 404 404 404 404 L", "L 404 404 404 404 404 404 L"),
    # API
    "api-root": (_none, "200 200 200 200 200 200 200 200", "401 405 405 405 405 405 405 401"),
    "api-token": (_none, "405 405 405 405 405 405 405 405", "400 400 400 400 400 400 400 400"),
    "api-me": (_none, "401 200 200 200 200 200 200 401", "401 405 405 405 405 405 405 401"),
    "api-credit-balance": (_none, "401 200 200 200 200 200 200 401", "401 405 405 405 405 405 405 401"),
    "api-credit-adjustment": (_none, "401 405 405 405 405 405 405 401", "401 403 403 403 400 400 400 401"),
    "api-notification-preferences": (_none, "401 200 200 200 200 200 200 401", "401 405 405 405 405 405 405 401"),
    "api-school-registration": (_none, "405 405 405 405 405 405 405 405", "400 400 400 400 400 400 400 400"),
    "api-schema": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "api-docs": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "lab-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "lab-detail": (_slug("lab-a"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "machine-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "machine-detail": (_pk("machine"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "machine-availability": (_pk("machine"), "400 400 400 400 400 400 400 400", "405 405 405 405 405 405 405 405"),
    "booking-list": (_none, "401 200 200 200 200 200 200 401", "401 400 400 400 400 400 400 401"),
    "booking-detail": (_pk("booking"), "401 200 404 404 404 200 200 401", "401 405 405 405 405 405 405 401"),
    "booking-cancel": (_pk("booking"), "401 405 405 405 405 405 405 401", "401 200 404 404 404 200 200 401"),
    "booking-check-in": (_pk("booking"), "401 405 405 405 405 405 405 401", "401 403 404 404 404 400 400 401"),
    "booking-no-show": (_pk("booking"), "401 405 405 405 405 405 405 401", "401 403 404 404 404 400 400 401"),
    "block-list": (_none, "401 405 405 405 405 405 405 401", "401 400 400 400 400 400 400 401"),
    "waitlist-list": (_none, "401 200 200 200 200 200 200 401", "401 400 400 400 400 400 400 401"),
    "waitlist-detail": (_pk("waitlist_entry"), "401 200 404 404 404 404 404 401", "401 405 405 405 405 405 405 401"),
    "waitlist-accept": (_pk("waitlist_entry"), "401 405 405 405 405 405 405 401", "401 409 404 404 404 404 404 401"),
    "waitlist-decline": (_pk("waitlist_entry"), "401 405 405 405 405 405 405 401", "401 409 404 404 404 404 404 401"),
    "waitlist-leave": (_pk("waitlist_entry"), "401 405 405 405 405 405 405 401", "401 200 404 404 404 404 404 401"),
    "invoice-list": (_none, "401 200 200 200 200 200 200 401", "401 405 405 405 405 405 405 401"),
    "invoice-detail": (_pk("invoice"), "401 200 404 404 404 200 200 401", "401 405 405 405 405 405 405 401"),
    "invoice-pdf": (_pk("invoice"), "401 200 404 404 404 200 200 401", "401 405 405 405 405 405 405 401"),
    "credit-pack-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "credit-pack-detail": (_pk("pack"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "order-list": (_none, "401 200 200 200 200 200 200 401", "401 400 400 400 400 400 400 401"),
    "order-detail": (_pk("order"), "401 200 404 404 404 200 200 401", "401 405 405 405 405 405 405 401"),
    "order-checkout": (_pk("order"), "401 405 405 405 405 405 405 401", "401 400 404 404 404 404 404 401"),
    "project-list": (_none, "200 200 200 200 200 200 200 200", "401 400 400 400 400 400 400 401"),
    "project-detail": (_slug("lamp"), "200 200 200 200 200 200 200 200", "401 405 405 405 405 405 405 401"),
    "project-materials": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 400 400 400 400 400 400 401"),
    "project-publish": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 200 403 403 403 403 403 401"),
    "project-unpublish": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 200 403 403 403 403 403 401"),
    "project-remix": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 201 201 201 201 201 201 401"),
    "project-steps": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 400 400 400 400 400 400 401"),
    "project-files": (_slug("lamp"), "405 405 405 405 405 405 405 405", "401 400 400 400 400 400 400 401"),
    "project-step-images": (
        lambda c, r: {"slug": "lamp", "step_pk": c.step.pk},
        "405 405 405 405 405 405 405 405",
        "401 400 400 400 400 400 400 401",
    ),
    "course-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "course-detail": (_slug("laser-basics"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "session-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "session-detail": (_pk("session"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "enrollment-list": (_none, "401 200 200 200 200 200 200 401", "401 400 400 400 400 400 400 401"),
    "enrollment-detail": (_pk("enrollment"), "401 200 404 404 404 404 404 401", "401 405 405 405 405 405 405 401"),
    "enrollment-accept": (_pk("enrollment"), "401 405 405 405 405 405 405 401", "401 409 404 404 404 404 404 401"),
    "enrollment-cancel": (_pk("enrollment"), "401 405 405 405 405 405 405 401", "401 200 404 404 404 404 404 401"),
    "workshop-offer-list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "workshop-offer-detail": (_slug("robot"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "credit-entry-list": (_none, "401 200 200 200 200 200 200 401", "401 405 405 405 405 405 405 401"),
    "credit-entry-detail": (_pk("ledger_entry"), "401 200 404 404 404 404 404 401", "401 405 405 405 405 405 405 401"),
    "credit-contribution-list": (_none, "401 200 200 200 200 200 200 401", "401 400 400 400 400 400 400 401"),
    "credit-contribution-detail": (
        _pk("contribution"),
        "401 200 404 404 404 200 200 401",
        "401 405 405 405 405 405 405 401",
    ),
    "credit-contribution-approve": (
        _pk("contribution"),
        "401 405 405 405 405 405 405 401",
        "401 403 404 404 404 200 200 401",
    ),
    "credit-contribution-refuse": (
        _pk("contribution"),
        "401 405 405 405 405 405 405 401",
        "401 400 404 404 404 400 400 401",
    ),
    # pages of no app
    "healthz": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "sitemap": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "django.contrib.sitemaps.views.sitemap": (
        lambda c, r: {"section": "projects"},
        "200 200 200 200 200 200 200 200",
        "200 200 200 200 200 200 200 200",
    ),
    "frontend:home": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "frontend:lab": (_slug("lab-a"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "frontend:legal": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "frontend:accessibility": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "frontend:staff_dashboard": (_none, "L 403 403 403 200 200 200 L", "L 403 403 403 200 200 200 L"),
    "frontend:staff_exports": (_none, "L 403 403 403 200 200 200 L", "L 403 403 403 200 200 200 L"),
    # machines and bookings
    "machines:list": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "machines:detail": (_pk("machine"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "machines:book": (_pk("machine"), "L 400 400 400 400 400 400 L", "L 400 400 400 400 400 400 L"),
    "bookings:list": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "bookings:cancel": (_pk("booking"), "L 200 404 404 404 200 200 L", "L R 404 404 404 R R L"),
    "bookings:no_show": (_pk("booking"), "L 405 405 405 405 405 405 L", "L 404 404 404 404 400 400 L"),
    "bookings:waitlist_join": (_none, "L 404 404 404 404 404 404 L", "L 404 404 404 404 404 404 L"),
    "bookings:waitlist_leave": (_pk("waitlist_entry"), "L 405 405 405 405 405 405 L", "L R 404 404 404 404 404 L"),
    "bookings:offer": (_pk("waitlist_entry"), "L 200 404 404 404 404 404 L", "L 400 404 404 404 404 404 L"),
    "bookings:check_in": (
        lambda c, r: {"code": c.booking.check_in_code},
        "L 404 404 404 404 200 200 L",
        "L 404 404 404 404 400 400 L",
    ),
    "bookings:staff_day": (_none, "L 403 403 403 200 200 200 L", "L 403 403 403 200 200 200 L"),
    "bookings:block": (_none, "L 405 405 405 405 405 405 L", "L 403 403 403 400 400 400 L"),
    "bookings:book_for_member": (_none, "L 405 405 405 405 405 405 L", "L 403 403 403 400 400 400 L"),
    "calendar:member": (_calendar, "404 200 404 404 404 404 404 404", "405 405 405 405 405 405 405 405"),
    "calendar:machine": (_pk("machine"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "calendar:lab": (_slug("lab-a"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    # credits
    "credits:mine": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "credits:staff": (_none, "L 404 404 404 200 200 200 L", "L 404 404 404 200 200 200 L"),
    "credits:staff_member": (
        lambda c, r: {"user_id": c.member.pk},
        "L 404 404 404 404 200 200 L",
        "L 404 404 404 404 200 200 L",
    ),
    "credits:approve": (_pk("contribution"), "L 405 405 405 405 405 405 L", "L R 404 404 404 R R L"),
    "credits:refuse": (_pk("contribution"), "L 405 405 405 405 405 405 L", "L R 404 404 404 R R L"),
    # trainings
    "training:list": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "training:mine": (_none, "L 200 200 200 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "training:teach": (_none, "L 403 403 200 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "training:session": (_pk("session"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "training:enroll": (_pk("session"), "L 405 405 405 405 405 405 L", "L 409 R R R R R L"),
    "training:roster": (_pk("session"), "L 404 404 200 404 200 200 L", "L 404 404 400 404 400 400 L"),
    "training:sign_in_sheet": (_pk("session"), "L 404 404 200 404 200 200 L", "L 405 405 405 405 405 405 L"),
    "training:sign_in_sheet_pdf": (_pk("session"), "L 404 404 200 404 200 200 L", "L 405 405 405 405 405 405 L"),
    "training:enrollment_cancel": (_pk("enrollment"), "L 405 405 405 405 405 405 L", "L R 404 404 404 404 404 L"),
    "training:enrollment_accept": (_pk("enrollment"), "L 405 405 405 405 405 405 L", "L 409 404 404 404 404 404 L"),
    "training:certificate": (_pk("enrollment"), "L 404 404 404 404 404 404 L", "L 405 405 405 405 405 405 L"),
    "training:qualifications": (_none, "L 403 403 403 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "training:qualification_grant": (_none, "L 405 405 405 405 405 405 L", "L 403 403 403 400 400 400 L"),
    "training:qualification_revoke": (
        _pk("qualification"),
        "L 405 405 405 405 405 405 L",
        "L 403 403 403 404 400 400 L",
    ),
    # school workshops
    "workshops:list": (_none, "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "workshops:follow": (_teacher_link, "404 404 404 404 404 404 404 200", "405 405 405 405 405 405 405 405"),
    "workshops:follow_cancel": (_teacher_link, "405 405 405 405 405 405 405 405", "404 404 404 404 404 404 404 R"),
    "workshops:quote_pdf": (_teacher_link, "404 404 404 404 404 404 404 404", "405 405 405 405 405 405 405 405"),
    "workshops:invoice_pdf": (_teacher_link, "404 404 404 404 404 404 404 404", "405 405 405 405 405 405 405 405"),
    "workshops:staff": (_none, "L 403 403 403 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "workshops:report": (_none, "L 403 403 403 200 200 200 L", "L 405 405 405 405 405 405 L"),
    "workshops:staff_detail": (_pk("registration"), "L 403 403 403 404 200 200 L", "L 405 405 405 405 405 405 L"),
    "workshops:staff_confirm": (_pk("registration"), "L 405 405 405 405 405 405 L", "L 403 403 403 404 400 400 L"),
    "workshops:staff_quote": (_pk("registration"), "L 405 405 405 405 405 405 L", "L 403 403 403 404 R R L"),
    "workshops:staff_quote_pdf": (_pk("registration"), "L 403 403 403 404 404 404 L", "L 405 405 405 405 405 405 L"),
    "workshops:staff_held": (_pk("registration"), "L 405 405 405 405 405 405 L", "L 403 403 403 404 409 409 L"),
    "workshops:staff_invoice": (_pk("registration"), "L 405 405 405 405 405 405 L", "L 403 403 403 404 400 400 L"),
    "workshops:staff_cancel": (_pk("registration"), "L 405 405 405 405 405 405 L", "L 403 403 403 404 400 400 L"),
    "workshops:register": (_slug("robot"), "200 200 200 200 200 200 200 200", "400 400 400 400 400 400 400 400"),
    "workshops:registered": (_slug("robot"), "200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    # projects
    "projects:list": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:new": (_none, "L 200 200 200 200 200 200 L", "L 400 400 400 400 400 400 L"),
    "projects:export_json": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:export_csv": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:feed": (_none, "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:lab_feed": (
        lambda c, r: {"lab": "lab-a"},
        "200 200 200 200 200 200 200 200",
        "200 200 200 200 200 200 200 200",
    ),
    "projects:tag_feed": (
        lambda c, r: {"tag": "wood"},
        "404 404 404 404 404 404 404 404",
        "404 404 404 404 404 404 404 404",
    ),
    "projects:detail": (_slug("lamp"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:edit": (_slug("lamp"), "L 200 403 403 403 403 403 L", "L 400 403 403 403 403 403 L"),
    "projects:publish": (_slug("secret-draft"), "L 405 405 405 405 405 405 L", "L 400 404 404 404 403 403 L"),
    "projects:unpublish": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L R 403 403 403 403 403 L"),
    "projects:remix": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L R R R R R R L"),
    "projects:step_add": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 400 403 403 403 403 403 L"),
    "projects:step_edit": (
        lambda c, r: {"slug": "lamp", "pk": c.step.pk},
        "L 200 403 403 403 403 403 L",
        "L 400 403 403 403 403 403 L",
    ),
    "projects:step_delete": (
        lambda c, r: {"slug": "lamp", "pk": c.step.pk},
        "L 200 403 403 403 403 403 L",
        "L R 403 403 403 403 403 L",
    ),
    "projects:step_move": (
        lambda c, r: {"slug": "lamp", "pk": c.step.pk},
        "L 405 405 405 405 405 405 L",
        "L 400 403 403 403 403 403 L",
    ),
    "projects:material_add": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 400 403 403 403 403 403 L"),
    "projects:material_delete": (
        lambda c, r: {"slug": "lamp", "pk": c.material.pk},
        "L 405 405 405 405 405 405 L",
        "L R 403 403 403 403 403 L",
    ),
    "projects:collaborator_add": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 400 403 403 403 403 403 L"),
    "projects:collaborator_remove": (
        lambda c, r: {"slug": "lamp", "pk": c.collaborator.pk},
        "L 405 405 405 405 405 405 L",
        "L R 403 403 403 403 403 L",
    ),
    # payments
    "projects:documentation_pdf": (_slug("lamp"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:files_zip": (_slug("lamp"), "200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "projects:file_download": (
        lambda c, r: {"slug": "lamp", "pk": c.project_file.pk, "name": "plan.dxf"},
        "200 200 200 200 200 200 200 200",
        "200 200 200 200 200 200 200 200",
    ),
    "projects:file_add": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 400 403 403 403 403 403 L"),
    "projects:file_delete": (
        lambda c, r: {"slug": "lamp", "pk": c.project_file.pk},
        "L 405 405 405 405 405 405 L",
        "L R 403 403 403 403 403 L",
    ),
    "projects:step_image_add": (
        lambda c, r: {"slug": "lamp", "pk": c.step.pk},
        "L 405 405 405 405 405 405 L",
        "L 400 403 403 403 403 403 L",
    ),
    "projects:step_image_delete": (
        lambda c, r: {"slug": "lamp", "pk": c.step.pk, "image_pk": c.step_image.pk},
        "L 405 405 405 405 405 405 L",
        "L R 403 403 403 403 403 L",
    ),
    # comments, reports and moderation: any member comments and reports, the lab's staff moderate
    "projects:comment_add": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 400 400 400 400 400 400 L"),
    "projects:report": (_slug("lamp"), "L 200 200 200 200 200 200 L", "L 400 400 400 400 400 400 L"),
    "projects:moderation": (_none, "L 403 403 403 200 200 200 L", "L 403 403 403 200 200 200 L"),
    "projects:project_hide": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 403 403 403 403 R R L"),
    "projects:project_restore": (_slug("lamp"), "L 405 405 405 405 405 405 L", "L 403 403 403 403 R R L"),
    "projects:comment_hide": (_pk("comment"), "L 405 405 405 405 405 405 L", "L 403 403 403 403 R R L"),
    "projects:comment_restore": (_pk("comment"), "L 405 405 405 405 405 405 L", "L 403 403 403 403 R R L"),
    "projects:dismiss_report": (_pk("report"), "L 405 405 405 405 405 405 L", "L 404 404 404 404 R R L"),
    "billing:stripe_webhook": (_none, "405 405 405 405 405 405 405 405", "400 400 400 400 400 400 400 400"),
    "billing:credit_packs": (_none, "200 200 200 200 200 200 200 200", "L 200 200 200 200 200 200 L"),
    "billing:orders": (_none, "L 200 200 200 200 200 200 L", "L 200 200 200 200 200 200 L"),
    "billing:order_detail": (_pk("order"), "L 200 404 404 404 404 404 L", "L 200 404 404 404 404 404 L"),
    "billing:order_pay": (_pk("order"), "L 405 405 405 405 405 405 L", "L R 404 404 404 404 404 L"),
    "billing:order_cancel": (_pk("order"), "L 405 405 405 405 405 405 L", "L R 404 404 404 404 404 L"),
    "billing:checkout_success": (_pk("order"), "L 200 404 404 404 404 404 L", "L 200 404 404 404 404 404 L"),
    "billing:checkout_cancel": (_pk("order"), "L 200 404 404 404 404 404 L", "L 200 404 404 404 404 404 L"),
    "billing:invoice_pdf": (_pk("invoice"), "L 200 404 404 404 200 200 L", "L 200 404 404 404 200 200 L"),
    "billing:staff": (_none, "L 404 404 404 200 200 200 L", "L 404 404 404 200 200 200 L"),
    "billing:export": (_none, "L 403 403 403 200 200 200 L", "L 403 403 403 200 200 200 L"),
    "billing:staff_payment": (_pk("order"), "L 405 405 405 405 405 405 L", "L 404 404 404 404 R R L"),
    "billing:staff_mandate": (_pk("order"), "L 405 405 405 405 405 405 L", "L 404 404 404 404 R R L"),
    "billing:staff_cancel": (_pk("order"), "L 405 405 405 405 405 405 L", "L 404 404 404 404 R R L"),
    # An empty POST reads as no form sent: the form again (200).
    "billing:staff_refund": (_pk("paid_order"), "L 404 404 404 404 200 200 L", "L 404 404 404 404 200 200 L"),
    "billing:periods": (_none, "L 404 404 404 200 200 200 L", "L 404 404 404 200 200 200 L"),
    "billing:period_archive": (_pk("period"), "L 404 404 404 404 200 200 L", "L 404 404 404 404 200 200 L"),
}

# Rows whose expectation the site does not meet yet: {URL name: what is wrong}.
KNOWN_GAPS = {}


def url_names(patterns=None, namespace=""):
    """The name of every URL pattern outside the admin, format-suffix twins counted once."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == admin.site.name:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}")
    return names


# The back office (see fablab/labs/admin_scope.py): lab staff get in and see their labs' rows
# only; members, trainers and visitors are sent to the admin's sign-in page. For each model
# admin: who opens its list, and who opens its add page ("nobody" for what only the
# services write: ledger, invoices, bookings, audit…). "superuser" models have no lab.
ADMIN_MODELS = {
    "auth.group": ("superuser", "superuser"),
    "sites.site": ("superuser", "superuser"),
    "account.emailaddress": ("superuser", "superuser"),
    "mfa.authenticator": ("superuser", "superuser"),
    "authtoken.tokenproxy": ("superuser", "superuser"),
    "django_tasks_database.dbtaskresult": ("superuser", "nobody"),
    "accounts.user": ("staff", "superuser"),  # staff read their labs' members, never write an account
    "labs.lab": ("staff", "superuser"),
    "labs.membership": ("staff", "staff"),
    "audit.auditentry": ("staff", "nobody"),
    "credits.creditaccount": ("staff", "nobody"),
    "credits.ledgerentry": ("staff", "nobody"),
    "credits.contribution": ("staff", "nobody"),
    "billing.invoice": ("staff", "nobody"),
    "billing.creditpack": ("staff", "staff"),
    "billing.order": ("staff", "nobody"),
    "billing.stripeevent": ("staff", "nobody"),
    "billing.payment": ("staff", "nobody"),
    "billing.creditlot": ("staff", "nobody"),
    "billing.invoicesequence": ("staff", "nobody"),
    "billing.invoicechain": ("staff", "nobody"),
    "billing.accountingperiod": ("staff", "nobody"),
    "notifications.notificationoptout": ("superuser", "superuser"),
    "notifications.sentnotification": ("superuser", "superuser"),
    "machines.category": ("superuser", "superuser"),
    "machines.machine": ("staff", "staff"),
    "machines.maintenancewindow": ("staff", "staff"),
    "machines.qualification": ("staff", "staff"),
    "bookings.booking": ("staff", "nobody"),
    "bookings.waitlistentry": ("staff", "nobody"),
    "training.course": ("superuser", "superuser"),  # a course is taught in every lab
    "training.session": ("staff", "nobody"),
    "training.enrollment": ("staff", "nobody"),
    "training.workshopoffer": ("superuser", "superuser"),  # an offer spans several labs
    "training.schoolregistration": ("staff", "nobody"),
    "training.quotesequence": ("staff", "nobody"),
    "training.qualificationreminder": ("staff", "nobody"),
    "projects.project": ("staff", "nobody"),
    "projects.tag": ("superuser", "nobody"),
    "projects.comment": ("staff", "nobody"),
    "projects.report": ("staff", "nobody"),
    "projects.stepimage": ("staff", "nobody"),
}

# Outcomes in the order of `ROLES` (see the module docstring); `staff` is lab staff of either lab.
ADMIN_OUTCOMES = {
    "staff": "A A A A 200 200 200 A",
    "superuser": "A A A A 403 403 200 A",
    "nobody": "A A A A 403 403 403 A",
}
ADMIN_PAGES = {
    "admin:index": "A A A A 200 200 200 A",
    "admin:jsi18n": "A A A A 200 200 200 A",
    "admin:autocomplete": "A A A A 403 403 403 A",  # without its parameters
}

# Lab A's rows: its staff open them (some read-only), lab B's staff are told they do not exist.
LAB_A_ROWS = (
    "lab",
    "member",
    "machine",
    "qualification",
    "booking",
    "waitlist_entry",
    "ledger_entry",
    "contribution",
    "pack",
    "order",
    "invoice",
    "period",
    "session",
    "enrollment",
    "registration",
    "project",
    "comment",
    "report",
    "step_image",
)
LAB_A_ROW_OUTCOME = "A A A A R 200 200 A"


def _label(model):
    return model._meta.label_lower


def admin_expectations(cast):
    """{admin path: expected outcomes} for every page the table above speaks of."""
    expected = {reverse(name): outcomes for name, outcomes in ADMIN_PAGES.items()}
    for model in admin.site._registry:
        lists, adds = ADMIN_MODELS[_label(model)]
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        expected[reverse(f"{info}_changelist")] = ADMIN_OUTCOMES[lists]
        expected[reverse(f"{info}_add")] = ADMIN_OUTCOMES[adds]
    for attr in LAB_A_ROWS:
        row_of_a = getattr(cast, attr)
        info = f"admin:{row_of_a._meta.app_label}_{row_of_a._meta.model_name}"
        expected[reverse(f"{info}_change", args=[row_of_a.pk])] = LAB_A_ROW_OUTCOME
    return expected


@time_machine.travel(NOW, tick=False)
class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = Cast()

    def check(self, name):
        kwargs, expected_get, expected_post = TABLE[name]
        path_for = lambda cast, role: reverse(name, kwargs=kwargs(cast, role))  # noqa: E731
        api = path_for(self.cast, "member").startswith("/api/")
        # One signed-in client per role for both methods (a POST that signs out comes last).
        clients = {role: client_for(self.cast, role, api=api) for role in ROLES}
        self.assertEqual(
            {
                "GET": row(self.cast, "GET", path_for, api=api, clients=clients),
                "POST": row(self.cast, "POST", path_for, api=api, clients=clients),
            },
            {"GET": expected_get, "POST": expected_post},
        )

    def test_every_url_is_in_the_table(self):
        self.assertEqual(sorted(url_names() - set(TABLE)), [])
        self.assertEqual(sorted(set(TABLE) - url_names()), [])

    def test_every_admin_model_is_in_the_table(self):
        self.assertEqual(sorted(_label(model) for model in admin.site._registry), sorted(ADMIN_MODELS))

    def test_the_admin_is_for_lab_staff_scoped_to_their_labs(self):
        clients = {role: client_for(self.cast, role, api=False) for role in ROLES}
        for path, expected in admin_expectations(self.cast).items():
            with self.subTest(path=path):
                outcomes = [visit(self.cast, role, "GET", path, api=False, client=clients[role]) for role in ROLES]
                self.assertEqual(" ".join(outcomes), expected)


def _add_test(name):
    def test(self):
        self.check(name)

    test.__name__ = "test_" + "".join(c if c.isalnum() else "_" for c in name)
    test.__doc__ = f"{name}: {TABLE[name][1]} (GET), {TABLE[name][2]} (POST)"
    if name in KNOWN_GAPS:
        test = pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True)(test)
    setattr(PermissionMatrixTests, test.__name__, test)


for _name in TABLE:
    _add_test(_name)
