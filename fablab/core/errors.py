"""The one exception type that business rules raise.

Services raise a subclass of `DomainError` with a stable machine-readable `code`
and a translated human message. The API turns it into an RFC 9457 problem
document; HTML views show the message as a form error or a flash message.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the action. Nothing was written."""

    status = 400
    default_code = "invalid"
    title = _("The request breaks a rule.")

    def __init__(self, message, *, code=None, field=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def __str__(self):
        return str(self.message)


class ConflictError(DomainError):
    """The state changed under the caller (slot taken, seat gone, already paid)."""

    status = 409
    default_code = "conflict"
    title = _("The request conflicts with the current state.")


class NotAllowedError(DomainError):
    """The user is known but may not do this."""

    status = 403
    default_code = "permission_denied"
    title = _("You are not allowed to do this.")
