// Verify a record in the browser, trusting neither this site's operator nor its host:
//   1. the record's bytes (line of its publisher's canonical gzip page) are canonical JSON
//      (RFC 8785) and hash to the hash the page states;
//   2. its Ed25519 signature (WebCrypto) verifies under a key from the publisher's key
//      history (or the operator's, for operator-assisted key events);
//   3. its inclusion proof (RFC 9162), built here from the log's tiles (C2SP tlog-tiles:
//      log/tile/<L>/<N>[.p/<W>]), leads to the root of the checkpoint (log/checkpoint);
//   4. the checkpoint is signed by the operator key (C2SP signed-note) and cosigned by
//      the witnesses (C2SP tlog-cosignature) up to the ledger's quorum.
// The tiles need no trust: a proof built from them proves something only when it leads
// to the signed root. The keys come from this site too (api/v1/ledger.json,
// api/v1/publishers/<id>.json): compare them with ledger.yaml in a clone, or pin them.
// The proof is offered as a c2sp.org/tlog-proof@v1 file, for `imageledger log check-proof`.
// Results are shown with textContent only.

import { canonicalRecord, pageUrl } from "./canonical.js";

const enc = new TextEncoder();

function b64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** RFC 8785 for the JSON the ledger allows (strings, safe integers, booleans, arrays, objects). */
export function jcs(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  const keys = Object.keys(value).sort(); // UTF-16 code-unit order, as RFC 8785 says
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

/** A C2SP note verifier key `name+hex8+base64(type || 32-byte key)`, its id checked. */
async function parseKey(text) {
  const [name, id, body] = text.split("+");
  const raw = b64(body);
  const expected = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
  if (hex(expected) !== id) throw new Error(`key id of ${name} does not match`);
  return { name, id: expected, type: raw[0], key: raw.slice(1) };
}

async function ed25519(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

async function node(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to. */
async function rootFromProof(leaf, index, size, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) throw new Error("index beyond the tree");
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error("proof too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await node(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("proof too short");
  return r;
}

const TILE_HEIGHT = 8;
const TILE_WIDTH = 256;

/** A tile index as 3-digit path elements, all but the last prefixed with "x". */
export function tileIndex(n) {
  const groups = [String(n % 1000).padStart(3, "0")];
  for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) groups.push("x" + String(n % 1000).padStart(3, "0"));
  return groups.reverse().join("/");
}

/** The hashes of a tree of `size` leaves, read from the tiles under `base` (a C2SP
 *  tlog-tiles log): as log/tiles.py's TileHashReader, fetched tiles are kept. */
class Tiles {
  constructor(base, size) {
    this.base = base;
    this.size = size;
    this.tiles = new Map();
  }

  async tile(level, index, width) {
    const path = `tile/${level}/${tileIndex(index)}${width === TILE_WIDTH ? "" : `.p/${width}`}`;
    if (!this.tiles.has(path)) {
      const data = new Uint8Array(await (await fetchOk(new URL(path, this.base))).arrayBuffer());
      if (data.length !== width * 32) throw new Error(`${path} is ${data.length} bytes, not ${width * 32}`);
      this.tiles.set(path, data);
    }
    return this.tiles.get(path);
  }

  /** The root of the perfect subtree of height `level` whose leaves start at `n` << `level`. */
  async perfect(level, n) {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level - tileLevel * TILE_HEIGHT); // hashes of tile level it covers
    const first = n * span;
    const index = Math.floor(first / TILE_WIDTH);
    const count = Math.floor(this.size / 2 ** (TILE_HEIGHT * tileLevel)); // hashes at that level
    const width = index < Math.floor(count / TILE_WIDTH) ? TILE_WIDTH : count % TILE_WIDTH;
    const data = await this.tile(tileLevel, index, width);
    const start = first % TILE_WIDTH;
    let hashes = [];
    for (let i = start; i < start + span; i++) hashes.push(data.slice(32 * i, 32 * i + 32));
    if (hashes[span - 1].length !== 32) throw new Error("hash beyond the tiles");
    while (hashes.length > 1) {
      const up = [];
      for (let i = 0; i < hashes.length; i += 2) up.push(await node(hashes[i], hashes[i + 1]));
      hashes = up;
    }
    return hashes[0];
  }

  /** MTH(D[lo:hi]) (RFC 9162 §2.1.1), for the ranges an inclusion proof names. */
  async root(lo, hi) {
    const k = split(hi - lo);
    if (k * 2 === hi - lo && lo % (hi - lo) === 0) return this.perfect(Math.log2(hi - lo), lo / (hi - lo));
    if (hi - lo === 1) return this.perfect(0, lo);
    return node(await this.root(lo, lo + k), await this.root(lo + k, hi));
  }

  /** PATH(m, D[lo:hi]) (RFC 9162 §2.1.3.1): the inclusion proof of leaf `m`, sibling first. */
  async path(m, lo = 0, hi = this.size) {
    if (hi - lo === 1) return [];
    const k = split(hi - lo);
    if (m < lo + k) return [...(await this.path(m, lo, lo + k)), await this.root(lo + k, hi)];
    return [...(await this.path(m, lo + k, hi)), await this.root(lo, lo + k)];
  }
}

/** The largest power of two smaller than `n` (n ≥ 2); n/2 when n is a power of two. */
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The inclusion proof of entry `index` in the tree of `size` leaves served under `log`. */
export async function inclusionProof(log, size, index) {
  if (!(index >= 0 && index < size)) throw new Error(`entry ${index} is not in a tree of size ${size}`);
  return new Tiles(log, size).path(index);
}

function base64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

/** A c2sp.org/tlog-proof@v1 file, as log/proof.py's format_tlog_proof writes it. */
function formatProof(index, proof, checkpoint) {
  const head = ["c2sp.org/tlog-proof@v1", `index ${index}`, ...proof.map(base64)].join("\n") + "\n\n";
  return concat(enc.encode(head), checkpoint);
}

function parseNote(note) {
  const split = note.lastIndexOf("\n\n");
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2)
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error("bad signature line");
      return { name: m[1], blob: b64(m[2]) };
    });
  const [origin, size, root] = text.split("\n");
  return { text, signatures, origin, size, root: b64(root) };
}

async function fetchOk(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response;
}

function el(tag, text, attrs) {
  const n = document.createElement(tag);
  n.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
  return n;
}

/** Check the record on this page; `options`: `root` (the site), `ref`, `hash` (as the page
 *  states it), `page`/`line` (where its canonical bytes are), `index` (its log entry, or
 *  undefined). Reports into `box`; returns the inclusion proof file, when one was built. */
export async function verify(box, options) {
  const out = box.querySelector(".il-verify-result");
  out.replaceChildren();
  const { root, ref, hash, page, line, index } = options;
  const publisher = ref.split("/")[0];
  let failed = 0;
  let proofFile;
  const report = (ok, text) => {
    failed += ok ? 0 : 1;
    out.append(el("li", `${ok ? "✓" : "✗"} ${text}`, { class: ok ? "il-ok" : "il-fail" }));
  };
  const check = async (label, fn) => {
    try {
      const [ok, detail] = await fn();
      report(ok, `${label}: ${detail}`);
    } catch (e) {
      report(false, `${label}: ${e.message}`);
    }
  };

  const ledger = await (await fetchOk(new URL("api/v1/ledger.json", root))).json();
  const profile = await (await fetchOk(new URL(`api/v1/publishers/${publisher}.json`, root))).json();
  const { bytes, text, record } = await canonicalRecord(pageUrl(root, ref, page), line, ref, { cache: "no-store" });

  await check("Canonical form", async () => [jcs(record) === text, "RFC 8785 JSON"]);
  await check("Record hash", async () => {
    const computed = "sha256:" + hex(await sha256(bytes));
    return [computed === hash, computed];
  });
  await check("Signature", async () => {
    const unsigned = { ...record };
    delete unsigned.signatures;
    const message = enc.encode("imageledger/record/v1\n" + jcs(unsigned));
    const known = [
      ...profile.key_history.filter((e) => e.action === "added").map((e) => e.key),
      ...(ledger.trust.operator_keys || []),
    ];
    const good = [];
    for (const { key: signer, sig } of record.signatures || []) {
      const text = known.find((k) => k.startsWith(signer + "+"));
      if (!text) continue;
      const key = await parseKey(text);
      if (await ed25519(key.key, b64(sig), message)) good.push(signer);
    }
    return [good.length > 0, good.length ? `Ed25519 by ${good.join(", ")}` : "no signature verifies"];
  });

  if (index === undefined) {
    report(false, "Inclusion in the log: not logged yet");
  } else {
    const log = new URL("log/", root);
    const checkpoint = new Uint8Array(await (await fetchOk(new URL("checkpoint", log))).arrayBuffer());
    const note = parseNote(new TextDecoder("utf-8", { fatal: true }).decode(checkpoint));
    await check("Inclusion in the log", async () => {
      const size = Number(note.size);
      if (!Number.isSafeInteger(size) || index >= size) throw new Error(`entry ${index} is not in the checkpoint of size ${note.size}`);
      const proof = await inclusionProof(log, size, index);
      const leaf = await sha256(concat(Uint8Array.of(0), bytes));
      const computed = await rootFromProof(leaf, index, size, proof);
      const ok = equal(computed, note.root);
      if (ok) proofFile = formatProof(index, proof, checkpoint);
      return [ok, `entry ${index} of ${note.size}`];
    });
    await check("Checkpoint origin", async () => [note.origin === ledger.origin, note.origin]);
    await check("Checkpoint signature", async () => {
      for (const text of ledger.trust.operator_keys || []) {
        const key = await parseKey(text);
        for (const s of note.signatures) {
          if (s.name !== key.name || !equal(s.blob.slice(0, 4), key.id)) continue;
          if (await ed25519(key.key, s.blob.slice(4), enc.encode(note.text))) return [true, `operator ${key.name}`];
        }
      }
      return [false, "no operator signature verifies"];
    });
    await check("Witness cosignatures", async () => {
      let good = 0;
      for (const w of ledger.trust.witnesses || []) {
        const key = await parseKey(w.key);
        for (const s of note.signatures) {
          if (s.name !== key.name || key.type !== 4 || s.blob.length !== 76 || !equal(s.blob.slice(0, 4), key.id)) continue;
          const time = new DataView(s.blob.buffer, s.blob.byteOffset + 4, 8).getBigUint64(0);
          const message = enc.encode(`cosignature/v1\ntime ${time}\n${note.text}`);
          if (await ed25519(key.key, s.blob.slice(12), message)) good += 1;
        }
      }
      const quorum = ledger.trust.witness_quorum || 0;
      return [good >= quorum, `${good} of ${(ledger.trust.witnesses || []).length} (quorum ${quorum})`];
    });
  }
  box.dataset.status = failed ? "failed" : "ok";
  out.prepend(el("li", failed ? `${failed} check(s) FAILED` : "All checks passed", { class: failed ? "il-fail" : "il-ok" }));
  return proofFile;
}
