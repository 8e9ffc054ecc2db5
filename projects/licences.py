"""The licences a project may carry, stored as SPDX identifiers.

An allow-list rather than free text: the open-data export and the licence badge
must be able to tell what a project's licence means, and every entry here is one
that lets someone else reproduce the project. Names are the licences' own
official titles, so they are not translated.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    spdx: str
    name: str
    url: str


LICENCES = {
    licence.spdx: licence
    for licence in (
        Licence(
            "CC-BY-4.0",
            "Creative Commons Attribution 4.0 International",
            "https://creativecommons.org/licenses/by/4.0/",
        ),
        Licence(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-sa/4.0/",
        ),
        Licence(
            "CC-BY-NC-4.0",
            "Creative Commons Attribution-NonCommercial 4.0 International",
            "https://creativecommons.org/licenses/by-nc/4.0/",
        ),
        Licence(
            "CC-BY-NC-SA-4.0",
            "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        ),
        Licence(
            "CC0-1.0", "Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"
        ),
        Licence(
            "CERN-OHL-S-2.0",
            "CERN Open Hardware Licence Version 2 - Strongly Reciprocal",
            "https://ohwr.org/cern_ohl_s_v2.txt",
        ),
        Licence(
            "CERN-OHL-W-2.0",
            "CERN Open Hardware Licence Version 2 - Weakly Reciprocal",
            "https://ohwr.org/cern_ohl_w_v2.txt",
        ),
        Licence(
            "CERN-OHL-P-2.0", "CERN Open Hardware Licence Version 2 - Permissive", "https://ohwr.org/cern_ohl_p_v2.txt"
        ),
        Licence("MIT", "MIT License", "https://opensource.org/license/mit"),
        Licence(
            "GPL-3.0-or-later", "GNU General Public License v3.0 or later", "https://www.gnu.org/licenses/gpl-3.0.html"
        ),
    )
}

LICENCE_CHOICES = [(licence.spdx, f"{licence.name} ({licence.spdx})") for licence in LICENCES.values()]


def licence_for(spdx):
    """The `Licence` of an SPDX identifier, or None (no licence chosen yet, or unknown)."""
    return LICENCES.get(spdx)
