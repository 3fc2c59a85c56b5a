// A record's page (ADR 0013). The server renders a small static document: the kind, the
// time, what the record says, what corrects, retracts or withdraws it, its chain and its
// hash. This module renders the rest from the record's exact canonical bytes (a line of
// its publisher's canonical gzip page): every field with its vocabulary label and a link
// to the standard (api/v1/vocab.json), the signatures, the downloads, and verification.
//
// Safe by construction: ledger strings only ever become text (createElement and
// textContent, never innerHTML); a ledger value becomes a link only when it is a plain
// https:// URL (rel="nofollow noopener noreferrer ugc") or a record reference; bidi
// controls are shown as ‹U+202E›, not obeyed, as the server-side renderer does.

const root = new URL("../../", import.meta.url); // this file is assets/js/record.js
const REF = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\/[1-9][0-9]{0,9}$/;
const PAGE = /^r\/([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)\/([1-9][0-9]{0,9})\/$/;
const REF_FIELDS = new Set(["ref", "consent"]);
const PLAIN_CODE = new Set(["sha256", "hash", "new_key", "key", "prev"]);
const VOCAB_LEAVES = new Set(["digital_source_type", "purposes", "jurisdictions", "visible", "machine_readable"]);
const BIDI = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_URL = /[\n\r\t "'<>`]/;

/** A ledger value as the text to show: bidi controls named, not obeyed. */
function shown(value) {
  return String(value).replace(BIDI, (c) => `‹U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}›`);
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = shown(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function link(href, body, attrs) {
  const a = el("a", null, { href, ...attrs });
  a.append(body);
  return a;
}

/** A link for a URL from the ledger: only plain https, never followed with credit. */
function external(url) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!url.startsWith("https://") || UNSAFE_URL.test(url) || parsed === null || parsed.protocol !== "https:") {
    return document.createTextNode(shown(url));
  }
  return link(parsed.href, shown(url), { rel: "nofollow noopener noreferrer ugc" });
}

/** The IPTC source type URI a value names, as vocab.normalize_digital_source_type does. */
function sourceTypeKey(value, iptc) {
  let text = value.trim().replace(/\/$/, "");
  for (const prefix of iptc.variants) if (text.startsWith(prefix)) text = iptc.scheme + text.slice(prefix.length);
  if (text && !text.includes("/") && !text.includes(":")) text = iptc.scheme + text;
  return text;
}

/** A vocabulary cell (render/vocab_cells.py): our own data, with `{raw}` the ledger value. */
function parts(cell, raw) {
  const out = [];
  for (const part of cell) {
    if (typeof part === "string") {
      out.push(document.createTextNode(part));
      continue;
    }
    const [kind, name, iri] = part;
    const value = name === "{raw}" ? raw : name;
    if (kind === "term" && /^https?:\/\//.test(iri)) {
      out.push(link(iri, el("code", value), { class: "il-term", rel: "noopener noreferrer" }));
    } else {
      out.push(el(kind === "strong" ? "strong" : "code", value));
    }
  }
  return out;
}

function own(table, key) {
  return table && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : null;
}

/** One field's value, as imageledger.describe.describe() gives it. */
function cell(leaf, raw, vocab) {
  if (typeof raw === "string") {
    if (VOCAB_LEAVES.has(leaf) && vocab) {
      const key = leaf === "digital_source_type" ? sourceTypeKey(raw, vocab.iptc) : raw;
      const known = own(vocab[leaf], key);
      if (known) return parts(known, raw);
    }
    if (REF_FIELDS.has(leaf) && REF.test(raw)) return [link(new URL(`r/${raw}/`, root).href, el("code", raw))];
    if (raw.startsWith("https://")) return [external(raw)];
    if (raw.startsWith("sha256:") || PLAIN_CODE.has(leaf)) return [el("code", raw)];
  }
  return [document.createTextNode(shown(raw))];
}

/** [path, field name, value] for every scalar, in the order of imageledger.describe.describe(). */
function* walk(data, prefix = "") {
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      yield* walk(value, path);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item !== null && typeof item === "object" && !Array.isArray(item)) yield* walk(item, `${path}[${i}]`);
        else yield [`${path}[${i}]`, key, item];
      }
    } else {
      yield [path, key, value];
    }
  }
}

function table(className, heads, rows) {
  const wrap = el("div", null, { class: `il-table ${className}` });
  const t = el("table");
  const head = el("tr");
  for (const h of heads) head.append(el("th", h));
  const body = el("tbody");
  for (const cells of rows) {
    const tr = el("tr");
    for (const c of cells) {
      const td = el("td");
      td.append(...c);
      tr.append(td);
    }
    body.append(tr);
  }
  t.append(el("thead"), body);
  t.firstChild.append(head);
  wrap.append(t);
  return wrap;
}

function fields(record, vocab) {
  const rows = [];
  for (const [path, leaf, raw] of walk(Object.fromEntries(Object.entries(record).filter(([k]) => k !== "signatures")))) {
    rows.push([[el("code", path)], cell(leaf, raw, vocab)]);
  }
  return table("il-fields", ["Field", "Value"], rows);
}

function signatures(record) {
  const rows = (Array.isArray(record.signatures) ? record.signatures : []).map((s) => [[el("code", s.key)], [el("code", s.sig)]]);
  return table("il-signatures", ["Key", "Ed25519 signature"], rows);
}

function download(bytes, name, type, text) {
  const a = el("a", text, { href: URL.createObjectURL(new Blob([bytes], { type })), download: name });
  return a;
}

async function vocabulary() {
  try {
    const response = await fetch(new URL("api/v1/vocab.json", root));
    return response.ok ? await response.json() : null;
  } catch {
    return null; // the table still shows every value, without labels
  }
}

async function render(box) {
  const here = new URL(".", location.href).pathname;
  const m = PAGE.exec(here.startsWith(root.pathname) ? here.slice(root.pathname.length) : "");
  if (!m) throw new Error("not a record page");
  const ref = `${m[1]}/${m[2]}`;
  const page = Number(box.dataset.page);
  const line = Number(box.dataset.line);
  const index = box.dataset.log === undefined ? undefined : Number(box.dataset.log);
  const hash = document.getElementById("il-hash").textContent;
  const { canonicalRecord, pageUrl } = await import("./canonical.js");
  const [{ bytes, record }, vocab] = await Promise.all([canonicalRecord(pageUrl(root, ref, page), line, ref), vocabulary()]);

  const api = new URL(`api/v1/publishers/${m[1]}/records/${page}.json`, root).href;
  const downloads = el("ul", null, { class: "il-downloads" });
  const canonical = el("li");
  canonical.append(
    download(bytes, `${m[1]}-${m[2]}.json`, "application/json", "Canonical JSON"),
    " — the exact bytes (RFC 8785) that were signed, hashed and logged · ",
    link(api, "API entry"),
  );
  downloads.append(canonical);
  const proofItem = el(
    "li",
    index === undefined
      ? "Not in the log's latest checkpoint yet: no inclusion proof."
      : `Inclusion proof (c2sp.org/tlog-proof@v1, log entry ${index}): built from the log's tiles when you verify below.`,
    { class: "il-proof" },
  );
  downloads.append(proofItem);

  const verifyBox = el("div", null, { class: "il-verify", id: "il-verify" });
  const button = el("button", "Verify in my browser", { type: "button", class: "md-button" });
  verifyBox.append(
    el("p", "Check its signature, its inclusion in the log and the checkpoint's signatures in your browser."),
    button,
    el("ul", null, { class: "il-verify-result", "aria-live": "polite" }),
  );
  button.addEventListener("click", async () => {
    try {
      const { verify } = await import("./verify.js");
      const proof = await verify(verifyBox, { root, ref, hash, page, line, index });
      if (proof) {
        proofItem.replaceChildren(
          download(proof, `${m[1]}-${m[2]}.proof`, "text/plain", "Inclusion proof"),
          ` — c2sp.org/tlog-proof@v1, entry ${index}; check it offline with imageledger log check-proof`,
        );
      }
    } catch (e) {
      verifyBox.dataset.status = "failed";
      verifyBox.querySelector(".il-verify-result").replaceChildren(el("li", `✗ ${e.message}`, { class: "il-fail" }));
    }
  });

  box.replaceChildren(
    el("h2", "Fields", { id: "fields" }),
    fields(record, vocab),
    el("h2", "Signatures", { id: "signatures" }),
    signatures(record),
    el("h2", "Download and verify", { id: "downloads" }),
    downloads,
    verifyBox,
  );
  verifyBox.dataset.ready = "true";
}

const box = document.getElementById("il-record"); // absent on publisher list pages
if (box) {
  render(box).catch((e) => {
    box.replaceChildren(el("p", `The record could not be shown: ${e.message}`, { class: "il-fail" }));
  });
}
