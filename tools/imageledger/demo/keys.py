"""The demo ledger's keys, all derived from the published seed (see ``core.keys.demo_key``).

Anyone can recompute them: they sign nothing but the demo ledger.
"""

from imageledger.core.keys import PrivateKey, demo_key
from imageledger.log.checkpoint import CosignerKey

OPERATOR = "demo.imageledger.example/operator-DEMO"
KEYS = {
    "northwind": ["northwind.example/ledger-2026-DEMO", "northwind.example/ledger-2026b-DEMO"],
    "harbourlight": ["harbourlight.example/primary-DEMO", "harbourlight.example/backup-DEMO"],
    "emberforge": ["emberforge.example/studio-DEMO", "emberforge.example/recovered-DEMO"],
    "lumenpeak": ["lumenpeak.example/ledger-DEMO"],
}
WITNESS = "witness.demo.imageledger.example-DEMO"


def operator() -> PrivateKey:
    return demo_key(OPERATOR)


def publisher(publisher_id: str, index: int = 0) -> PrivateKey:
    return demo_key(KEYS[publisher_id][index])


def witness() -> PrivateKey:
    """The DEMO witness's key; it cosigns checkpoints as an Ed25519 cosigner (type 0x04)."""
    return demo_key(WITNESS)


def witness_cosigner() -> CosignerKey:
    key = witness()
    return CosignerKey(key.name, key.verifier.public)
