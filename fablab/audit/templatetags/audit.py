"""`{% audit_history obj %}`: the "Change history" section of a staff page (one query)."""

from django import template

from fablab.audit.selectors import audit_history as history_of

register = template.Library()


@register.inclusion_tag("audit/_history.html")
def audit_history(*targets, entries=None):
    """Render the history of `targets`, or of ready-made `entries` when the view fetched them."""
    if entries is None:
        entries = history_of(*targets)
    first = next((target for target in targets if target is not None), None)
    section_id = f"{first._meta.model_name}-{first.pk}" if first is not None else "entries"
    return {"entries": entries, "section_id": section_id}
