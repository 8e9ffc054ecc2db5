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


def incl_tax_cents(excl_tax_cents: int, vat_rate_bp: int) -> int:
    """What a line of `excl_tax_cents` totals once its VAT (rounded as on invoices) is added."""
    return excl_tax_cents + tax_cents(excl_tax_cents, vat_rate_bp)


def excl_tax_within(incl_cents: int, vat_rate_bp: int) -> int:
    """The largest price excluding tax whose total including tax is at most `incl_cents` (≥ 0).

    `incl_tax_cents` grows by one or two cents per cent excluding tax (rates up to
    100 %), so the answer is within a few cents of `incl × 10000 / (10000 + rate)`.
    """
    if incl_cents <= 0:
        return 0
    guess = incl_cents * 10_000 // (10_000 + vat_rate_bp) + 2
    while guess > 0 and incl_tax_cents(guess, vat_rate_bp) > incl_cents:
        guess -= 1
    return guess


def excl_tax_from_incl(incl_cents: int, vat_rate_bp: int) -> int | None:
    """The price excluding tax that gives exactly `incl_cents` with its VAT, or None when none does.

    Invoices compute VAT from prices excluding tax; a price shown VAT included
    can be invoiced to the cent only when such a price exists (at 20 %, 0.03 €
    cannot: 0.02 € + 0.00 € VAT, then 0.03 € + 0.01 €).
    """
    excl = excl_tax_within(incl_cents, vat_rate_bp)
    return excl if excl > 0 and incl_tax_cents(excl, vat_rate_bp) == incl_cents else None


def vat_exact_parts(excl_tax_cents: int, tax: int, vat_rate_bp: int) -> list[int] | None:
    """Split `excl_tax_cents` into line amounts whose VAT, rounded per line, adds up to exactly `tax`.

    One line's VAT is `tax_cents(excl)`. Cutting a small amount off the largest
    part moves the rounded sum by one cent when the two roundings allow it;
    otherwise a cut that leaves the sum unchanged but rounds the small piece the
    wanted way prepares the next one. Used for credit notes, which must credit
    an exact amount both excluding and including tax. None when no split is
    found (a few cents at a low rate may carry no VAT cent to move).
    """
    if excl_tax_cents <= 0 or tax < 0:
        return [] if excl_tax_cents == 0 and tax == 0 else None
    parts = [excl_tax_cents]
    for _step in range(40):
        missing = tax - sum(tax_cents(part, vat_rate_bp) for part in parts)
        if missing == 0:
            return sorted(parts, reverse=True)
        parts = _cut(parts, 1 if missing > 0 else -1, vat_rate_bp)
        if parts is None:
            return None
    return None


def _cut(parts, direction, vat_rate_bp):
    largest = max(range(len(parts)), key=parts.__getitem__)
    part = parts[largest]
    before = tax_cents(part, vat_rate_bp)
    preparing, best_lean = None, 0
    for piece in range(1, min(1_000, part)):
        moved = tax_cents(piece, vat_rate_bp) + tax_cents(part - piece, vat_rate_bp) - before
        if moved == direction:
            return [*parts[:largest], part - piece, *parts[largest + 1 :], piece]
        # How far the piece's own rounding leans the wanted way, in 1/10000 of a cent.
        lean = direction * (tax_cents(piece, vat_rate_bp) * 10_000 - piece * vat_rate_bp)
        if moved == 0 and lean > best_lean:
            preparing, best_lean = piece, lean
    if preparing is None:
        return None
    return [*parts[:largest], part - preparing, *parts[largest + 1 :], preparing]
