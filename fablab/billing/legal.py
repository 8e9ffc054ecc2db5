"""The statutory mentions printed on invoices, in their fixed wording per language.

They are not left to the translation catalogue: the French wording is the one
the law and the tax administration expect word for word ("TVA non applicable,
art. 293 B du CGI"), and a translator's rewording must not change it. The
English texts say the same for foreign buyers.
"""

LEGAL_MENTIONS = {
    "fr": {
        "late_penalty": (
            "En cas de retard de paiement, des pénalités égales à trois fois le taux d'intérêt légal "
            "sont exigibles dès le lendemain de la date d'échéance (art. L441-10 du Code de commerce)."
        ),
        "recovery_indemnity": (
            "Pour les clients professionnels, une indemnité forfaitaire de 40 € pour frais de recouvrement "
            "est due en cas de retard de paiement (art. L441-10 et D441-5 du Code de commerce)."
        ),
        "no_discount": "Pas d'escompte pour paiement anticipé.",
        "vat_not_applicable": "TVA non applicable, art. 293 B du CGI",
        "some_lines_exempt": "Les lignes à 0 % sont exonérées de TVA.",
    },
    "en": {
        "late_penalty": (
            "Late payment: penalties at three times the French legal interest rate are due from the day "
            "after the due date (art. L441-10 of the French Commercial Code)."
        ),
        "recovery_indemnity": (
            "Professional customers also owe a fixed indemnity of €40 for recovery costs in case of late "
            "payment (art. L441-10 and D441-5 of the French Commercial Code)."
        ),
        "no_discount": "No discount for early payment.",
        "vat_not_applicable": "VAT not applicable, art. 293 B of the French General Tax Code (CGI)",
        "some_lines_exempt": "Lines at 0% are exempt from VAT.",
    },
}
