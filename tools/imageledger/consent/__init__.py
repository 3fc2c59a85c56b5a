"""Consent receipts, their lookup by secret, and the personal-data scanner.

Pure: secrets come in as bytes (the CLI draws them from ``os.urandom``), records as dicts.
"""
