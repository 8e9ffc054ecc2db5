"""Invoice arithmetic in integer cents and VAT basis points, and how amounts read.

VAT is computed per line and rounded half away from zero to the cent ("half-up"
on the amount's magnitude), so that a credit note reversing a line gives exactly
the opposite of the line's tax.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LineAmounts:
    excl_tax_cents: int
    tax_cents: int
    incl_tax_cents: int


def tax_cents(excl_tax_cents: int, vat_rate_bp: int) -> int:
    """`excl_tax_cents × rate`, rounded half-up to the cent, in integers only."""
    magnitude, remainder = divmod(abs(excl_tax_cents) * vat_rate_bp, 10_000)
    if 2 * remainder >= 10_000:
        magnitude += 1
    return magnitude if excl_tax_cents >= 0 else -magnitude


def line_amounts(*, quantity: int, unit_price_cents: int, vat_rate_bp: int) -> LineAmounts:
    excl = quantity * unit_price_cents
    tax = tax_cents(excl, vat_rate_bp)
    return LineAmounts(excl_tax_cents=excl, tax_cents=tax, incl_tax_cents=excl + tax)


def vat_breakdown(lines) -> list[dict]:
    """Totals per VAT rate (highest rate first), from lines with the invoice's line fields."""
    rates = {}
    for line in lines:
        rate = rates.setdefault(
            line.vat_rate_bp, {"vat_rate_bp": line.vat_rate_bp, "excl_tax_cents": 0, "tax_cents": 0}
        )
        rate["excl_tax_cents"] += line.total_excl_tax_cents
        rate["tax_cents"] += line.total_tax_cents
    return [rates[rate] for rate in sorted(rates, reverse=True)]


CURRENCY_SYMBOLS = {"EUR": "€"}
NBSP = "\u00a0"


def format_money(cents: int, currency: str, language: str) -> str:
    """`1 234,56 €` in French, `€1,234.56` in English (other currencies by their code)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if language == "fr":
        grouped = f"{units:,}".replace(",", NBSP)
        return f"{sign}{grouped},{rest:02d}{NBSP}{symbol}"
    grouped = f"{units:,}"
    if symbol == currency:
        return f"{sign}{currency}{NBSP}{grouped}.{rest:02d}"
    return f"{sign}{symbol}{grouped}.{rest:02d}"


def format_rate(vat_rate_bp: int, language: str) -> str:
    """2000 → `20 %` (French) or `20%` (English); 550 → `5,5 %` or `5.5%`."""
    whole, rest = divmod(vat_rate_bp, 100)
    text = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    if language == "fr":
        return f"{text.replace('.', ',')}{NBSP}%"
    return f"{text}%"
