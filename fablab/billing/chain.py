"""The canonical form of an issued document and the hash that chains it.

`canonical_content` is a JSON text with sorted keys and no insignificant spaces,
holding every legal field of the document and every line, plus the SHA-256 of
its stored PDF. `content_hash = sha256(previous_hash + canonical_content)`, where
`previous_hash` is the content hash of the lab's previous document (invoice or
credit note, in issuing order), or 64 zeros for the lab's first. Changing any
field, line or the PDF of a document, or removing or reordering documents,
breaks the chain from there on.

What is deliberately left out: the database ids and the links to user accounts
(an erased account must not break the chain), and who issued the document.
This format is frozen: changing it makes every stored hash fail to verify.
"""

import datetime as dt
import hashlib
import json


def _instant(value):
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds") if value else None


def canonical_content(invoice, lines) -> str:
    """The document's legal content as canonical JSON (`lines` in any order)."""
    content = {
        "format": 1,
        "lab": invoice.lab_id,
        "kind": invoice.kind,
        "number": invoice.number,
        "year": invoice.year,
        "sequence": invoice.sequence,
        "chain_position": invoice.chain_position,
        "corrects": invoice.corrects.number if invoice.corrects_id else None,
        "reason": invoice.reason,
        "issued_at": _instant(invoice.issued_at),
        "due_date": invoice.due_date.isoformat(),
        "paid_at": _instant(invoice.paid_at),
        "currency": invoice.currency,
        "language": invoice.language,
        "seller": {
            "legal_name": invoice.seller_legal_name,
            "address": invoice.seller_address,
            "registration_number": invoice.seller_registration_number,
            "vat_number": invoice.seller_vat_number,
        },
        "buyer": {
            "name": invoice.buyer_name,
            "address": invoice.buyer_address,
            "email": invoice.buyer_email,
            "vat_number": invoice.buyer_vat_number,
            "purchase_order": invoice.purchase_order,
        },
        "payment_method": invoice.payment_method,
        "payment_terms": invoice.payment_terms,
        "totals": {
            "excl_tax_cents": invoice.total_excl_tax_cents,
            "tax_cents": invoice.total_tax_cents,
            "incl_tax_cents": invoice.total_incl_tax_cents,
        },
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "vat_rate_bp": line.vat_rate_bp,
                "excl_tax_cents": line.total_excl_tax_cents,
                "tax_cents": line.total_tax_cents,
                "incl_tax_cents": line.total_incl_tax_cents,
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "pdf_sha256": invoice.pdf_sha256,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(previous_hash: str, canonical: str) -> str:
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
