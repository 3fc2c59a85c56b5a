"""Image test helpers: a C2PA test certificate chain and signed files made with c2pa-python.

(Not a conftest.py: tests import ``conftest`` by name, and a second one would shadow
``tests/conftest.py``.)

The chain (root CA → intermediate CA → signer, ECDSA P-256) is generated with
``cryptography`` from fixed private scalars and fixed validity dates, so every run makes
the same certificates; nothing is fetched and no real trust list is involved.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from imageledger.demo.images import sample_dir

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
_T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
_T1 = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class C2paTestChain:
    """PEM certificates (signer + intermediate), the signer's PKCS#8 key, the root."""

    certs: bytes
    key: bytes
    root: bytes


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "imageledger tests"),
        ]
    )


def _cert(subject_key: Any, subject: str, issuer_key: Any, issuer: str, *, ca: bool, serial: int):
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage |= {"key_cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True}
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(_T0)
        .not_valid_after(_T1)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@functools.cache
def c2pa_test_chain() -> C2paTestChain:
    root_key, mid_key, leaf_key = (ec.derive_private_key(n, ec.SECP256R1()) for n in (11, 12, 13))
    root = _cert(root_key, "Test Root CA", root_key, "Test Root CA", ca=True, serial=1)
    mid = _cert(mid_key, "Test Intermediate CA", root_key, "Test Root CA", ca=True, serial=2)
    leaf = _cert(leaf_key, "Test Signer", mid_key, "Test Intermediate CA", ca=False, serial=3)

    def pem(c: x509.Certificate) -> bytes:
        return c.public_bytes(serialization.Encoding.PEM)

    key = leaf_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return C2paTestChain(pem(leaf) + pem(mid), key, pem(root))


def photo_jpeg(name: str = "rocket.jpg", *, quality: int = 90) -> bytes:
    with Image.open(sample_dir() / name) as img:
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=quality)
        return out.getvalue()


def noise_png(seed: int = 0, size: int = 96) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


def actions(action: str, source_type: str | None, *more: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"action": action}
    if source_type is not None:
        entry["digitalSourceType"] = DST + source_type
    return {"label": "c2pa.actions", "data": {"actions": [entry, *more]}}


def sign_c2pa(
    source: bytes,
    assertions: list[dict[str, Any]],
    *,
    media_type: str = "image/jpeg",
    remote_url: str | None = None,
    parent: bytes | None = None,
) -> bytes:
    """``source`` signed with a manifest of ``assertions`` by the test chain's signer."""
    import c2pa

    chain = c2pa_test_chain()
    manifest = {
        "claim_generator_info": [{"name": "imageledger-tests", "version": "1"}],
        "title": "test image",
        "assertions": assertions,
    }
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.certs, chain.key, None)
    )
    with c2pa.Builder(manifest, context=context) as builder:
        if parent is not None:  # the image this one was edited from
            builder.add_ingredient(
                {"title": "parent", "relationship": "parentOf", "label": "parent"},
                media_type,
                io.BytesIO(parent),
            )
        if remote_url is not None:
            builder.set_no_embed()
            builder.set_remote_url(remote_url)
        out = io.BytesIO()
        builder.sign(signer, media_type, io.BytesIO(source), out)
    return out.getvalue()
