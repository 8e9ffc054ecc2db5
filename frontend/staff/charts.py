"""The dashboard's series as the JSON the chart script draws (the same numbers as the tables)."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def month_label(month):
    return date_format(month, "YEAR_MONTH_FORMAT")


def week_label(monday):
    return _("week of %(day)s") % {"day": date_format(monday, "SHORT_DATE_FORMAT")}


def chart_data(numbers):
    occupancy, revenue = numbers["occupancy"], numbers["revenue"]
    return {
        "occupancy": {
            "type": "line",
            "unit": "%",
            "labels": [week_label(week) for week in occupancy["weeks"]],
            "datasets": [
                {"label": name, "data": values}
                for name, (_machine, values) in zip(occupancy["names"], occupancy["rows"], strict=True)
            ],
        },
        "credits": {
            "type": "bar",
            "unit": _("hours"),
            "labels": [month_label(month) for month, _earned, _spent in numbers["credits_flow"]],
            "datasets": [
                {"label": _("Earned"), "data": [round(earned / 60, 1) for _m, earned, _s in numbers["credits_flow"]]},
                {"label": _("Spent"), "data": [round(spent / 60, 1) for _m, _e, spent in numbers["credits_flow"]]},
            ],
        },
        "revenue": {
            "type": "bar",
            "stacked": True,
            "unit": "€",
            "labels": [month_label(month) for month, _values in revenue["rows"]],
            "datasets": [
                {"label": str(label), "data": [values[index] / 100 for _month, values in revenue["rows"]]}
                for index, (_kind, label) in enumerate(revenue["kinds"])
            ],
        },
        "training": {
            "type": "bar",
            "unit": "%",
            "labels": [month_label(row[0]) for row in numbers["training_fill"]],
            "datasets": [{"label": _("Seats taken"), "data": [row[3] for row in numbers["training_fill"]]}],
        },
        "pupils": {
            "type": "bar",
            "unit": "",
            "labels": [month_label(row[0]) for row in numbers["pupils"]],
            "datasets": [{"label": _("Pupils"), "data": [row[1] for row in numbers["pupils"]]}],
        },
    }
