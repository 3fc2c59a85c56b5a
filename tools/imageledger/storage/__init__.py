"""Adapters: the filesystem layout of a ledger, atomic writes, git."""
