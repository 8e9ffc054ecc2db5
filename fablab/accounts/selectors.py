from allauth.account.models import EmailAddress

from fablab.accounts.privacy import exporters
from fablab.labs.models import Membership


def personal_data(user):
    """Everything the platform holds about `user`, as JSON-serialisable data."""
    data = {
        "account": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "memberships": [
            {"lab": lab_slug, "role": role, "since": created_at.isoformat()}
            for lab_slug, role, created_at in Membership.objects.filter(user=user)
            .order_by("lab__slug", "role")
            .values_list("lab__slug", "role", "created_at")
        ],
    }
    for section, exporter in sorted(exporters().items()):
        data[section] = exporter(user)
    return data
