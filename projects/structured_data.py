"""schema.org HowTo data for a project page, so that search engines show its steps and supplies."""

import json

from django.utils.safestring import mark_safe

# What json_script escapes: the JSON then cannot close its <script> element or open a comment.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def project_howto(project, *, page_url, cover_url=""):
    """The project as a schema.org HowTo, from data the page already fetched (no query)."""
    data = {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": project.title,
        "description": project.summary,
        "url": page_url,
        "step": [
            {"@type": "HowToStep", "position": step.position, "name": step.title, "text": step.body}
            for step in project.steps.all()
        ],
        "supply": [{"@type": "HowToSupply", "name": material.item} for material in project.materials.all()],
        "tool": [{"@type": "HowToTool", "name": machine.name} for machine in project.machines.all()],
    }
    if project.duration_minutes:
        data["totalTime"] = f"PT{project.duration_minutes}M"
    if cover_url:
        data["image"] = cover_url
    licence = project.licence_info
    if licence is not None:
        data["license"] = licence.url
    return data


def as_script_json(data):
    """`data` as JSON safe inside a <script> element of the page."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # safe: escaped above
