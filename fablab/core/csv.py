"""CSV for people's spreadsheets: cells that never run as formulas, and streaming."""

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """`value` as a CSV cell that no spreadsheet will run as a formula; numbers stay numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    """csv.writer wants a file; this one hands each written line back, for StreamingHttpResponse."""

    def write(self, value):
        return value
