"""The demo ledger: three fictional publishers, real photographs, DEMO keys, fixed times."""
