"""Image Disclosure Ledger: signed, hash-chained, transparency-logged image disclosures."""

__version__ = "0.1.0"
