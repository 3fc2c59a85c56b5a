// Verify a record in the browser, trusting neither this site's operator nor its host:
//   1. record.json is the record's canonical JSON (RFC 8785) and hashes to the stated hash;
//   2. its Ed25519 signature (WebCrypto) verifies under a key from the publisher's key
//      history (or the operator's, for operator-assisted key events);
//   3. proof.txt (c2sp.org/tlog-proof@v1) proves its inclusion (RFC 9162) in the checkpoint;
//   4. the checkpoint is signed by the operator key (C2SP signed-note) and cosigned by
//      the witnesses (C2SP tlog-cosignature) up to the ledger's quorum.
// The keys come from this site too (api/v1/ledger.json, api/v1/publishers/<id>.json):
// compare them with ledger.yaml in a clone, or pin them, to remove that last trust.
// Results are shown with textContent only.

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

function parseProof(text) {
  const split = text.indexOf("\n\n");
  if (split < 0) throw new Error("no checkpoint in the proof");
  const head = text.slice(0, split).split("\n");
  if (head[0] !== "c2sp.org/tlog-proof@v1") throw new Error("not a tlog-proof@v1 file");
  let i = 1;
  if (head[i] && head[i].startsWith("extra ")) i++;
  const m = /^index (0|[1-9][0-9]*)$/.exec(head[i] || "");
  if (!m) throw new Error("no index line");
  return { index: m[1], proof: head.slice(i + 1).map(b64), checkpoint: text.slice(split + 2) };
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

async function verify(box) {
  const out = box.querySelector(".il-verify-result");
  out.replaceChildren();
  const root = new URL(box.dataset.root, document.baseURI);
  const ref = box.dataset.ref;
  const publisher = ref.split("/")[0];
  let failed = 0;
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
  const stated = { hash: box.dataset.hash }; // the hash this page states for the record
  const bytes = new Uint8Array(await (await fetchOk(new URL(`r/${ref}/record.json`, root))).arrayBuffer());
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const record = JSON.parse(text);

  await check("Canonical form", async () => [jcs(record) === text, "record.json is RFC 8785 JSON"]);
  await check("Record hash", async () => {
    const hash = "sha256:" + hex(await sha256(bytes));
    return [hash === stated.hash, hash];
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

  let proofText;
  try {
    proofText = await (await fetchOk(new URL(`r/${ref}/proof.txt`, root))).text();
  } catch (e) {
    report(false, "Inclusion in the log: no proof (not logged yet)");
  }
  if (proofText !== undefined) {
    const proof = parseProof(proofText);
    const note = parseNote(proof.checkpoint);
    await check("Inclusion in the log", async () => {
      const leaf = await sha256(concat(Uint8Array.of(0), bytes));
      const computed = await rootFromProof(leaf, proof.index, note.size, proof.proof);
      return [equal(computed, note.root), `entry ${proof.index} of ${note.size}`];
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
}

const box = document.getElementById("il-verify");
if (box) {
  box.querySelector("button").addEventListener("click", () =>
    verify(box).catch((e) => {
      box.dataset.status = "failed";
      box.querySelector(".il-verify-result").replaceChildren(el("li", `✗ ${e.message}`, { class: "il-fail" }));
    }),
  );
  box.dataset.ready = "true";
}
