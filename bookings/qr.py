"""The check-in QR code a member shows at the desk, as inline SVG.

The SVG is generated here, from nothing but the check-in URL, so that it is
the only markup the templates mark safe. It carries no `style` attribute and
no script (the CSP allows neither), only presentation attributes.
"""

import io

import segno
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def check_in_url(booking, request):
    """Absolute URL of the staff's check-in page for `booking`, on the host the member is using."""
    return request.build_absolute_uri(reverse("bookings:check_in", args=[booking.check_in_code]))


def check_in_qr_svg(booking, request):
    """Inline `<svg role="img">` encoding the check-in URL of `booking`, labelled with its code."""
    qr = segno.make(check_in_url(booking, request), error="m", micro=False)
    out = io.BytesIO()
    # A white quiet zone behind the dark modules: phones read it on any page background.
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=4,
        dark="#000",
        light="#fff",
        svgclass="check-in-qr",
        lineclass=None,
    )
    markup = out.getvalue().decode("ascii")
    if not markup.startswith("<svg ") or "style=" in markup or "<script" in markup:
        raise ValueError("segno produced unexpected SVG markup")
    label = _("QR code of the check-in code %(code)s") % {"code": booking.check_in_code}
    attributes = format_html('<svg role="img" aria-label="{}" ', label)
    # Safe: segno's markup was checked above and the label is escaped by format_html.
    return mark_safe(attributes + markup[len("<svg ") :])
