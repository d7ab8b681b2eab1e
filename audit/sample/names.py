"""Every invented name in the sample: the authority, its teams and its staff.

Children have no names at all; staff names are drawn from two short lists chosen not to
be common real ones, so no record can be mistaken for a real person's.
"""

from __future__ import annotations

AUTHORITY_NAME = "Fictional Borough Council (synthetic data)"

IRO_TEAM = "Independent Reviewing Service"

# A case type served by one team gets a fixed name; by several, a pattern and an area.
SINGLE_TEAM_NAME = {
    "CIN": "Referral and Assessment North",
    "CP": "Child Protection South",
    "CLA": "Children in Care",
    "CL": "Leaving Care",
}
TEAM_PATTERNS = {
    "CIN": ("Referral and Assessment {}", "Children in Need {}"),
    "CP": ("Child Protection {}",),
    "CLA": ("Children in Care {}",),
    "CL": ("Leaving Care {}",),
}
AREAS = ("North", "South", "East", "West", "Central", "Riverside", "Hillside", "Valley")

FIRST_NAMES = (
    "Alex",
    "Bea",
    "Cal",
    "Dana",
    "Esme",
    "Finn",
    "Gita",
    "Hal",
    "Ines",
    "Jude",
    "Kit",
    "Lorna",
    "Milo",
    "Nell",
    "Omar",
    "Priya",
    "Rory",
    "Sana",
    "Tam",
    "Wren",
)
# Invented surnames, chosen not to be common real ones.
SURNAMES = (
    "Ashdown-Vale",
    "Brindlecombe",
    "Corrowby",
    "Dunmarsh",
    "Elderkin",
    "Fernleigh",
    "Gallowick",
    "Hethersett",
    "Ivelthorpe",
    "Jessamyn",
    "Kettlewick",
    "Lanthorne",
    "Marrowfield",
    "Nettlecombe",
    "Orchardine",
    "Quillby",
    "Rookhaven",
    "Saltmarsh-Tey",
    "Thistlewood",
    "Wyvernham",
)
