// Image look-up on the home page. Nothing is uploaded: the file is read in this page,
// hashed with WebCrypto (SHA-256, exact matches) and fingerprinted with pdq.js (PDQ,
// near-duplicates), and only the small index shards that those values name are fetched
// from this site (api/v1/images/, built by imageledger.imaging.site_index).
//
// Ledger strings are shown with textContent only, never as HTML.

const MAX_SIDE = 2048; // larger images are scaled while decoding (PDQ sees 64x64 anyway)

export function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

async function fetchText(url) {
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

const pageSizes = new Map();

/** A record's entry in its publisher's API page (kind, affected_by, relied_on_by), and
 *  what it says (its description, from its canonical bytes). */
async function recordEntry(root, ref) {
  const [publisher, seq] = ref.split("/");
  if (!pageSizes.has(publisher)) {
    const profile = JSON.parse(await fetchText(new URL(`api/v1/publishers/${publisher}.json`, root)));
    pageSizes.set(publisher, profile.page_size);
  }
  const page = Math.floor((Number(seq) - 1) / pageSizes.get(publisher)) + 1;
  const list = JSON.parse(await fetchText(new URL(`api/v1/publishers/${publisher}/records/${page}.json`, root)));
  const entry = list.records.find((r) => r.ref === ref);
  if (!entry) throw new Error(`${ref} is not on its API page`);
  const line = (Number(seq) - 1) % pageSizes.get(publisher);
  const { canonicalRecord, pageUrl } = await import("./canonical.js");
  const { record } = await canonicalRecord(pageUrl(root, ref, page), line, ref);
  entry.says = typeof record.description === "string" ? record.description : entry.kind;
  return entry;
}

async function describe(root, ref, how) {
  const item = el("li", null, { class: "il-lookup-hit" });
  const link = el("a", ref, { href: new URL(`r/${ref}/`, root).href });
  item.append(link, " — ", how);
  try {
    const record = await recordEntry(root, ref);
    item.append(el("div", record.says));
    for (const effect of record.affected_by || []) {
      item.append(el("div", `${effect.kind} by ${effect.ref}${effect.reason ? ": " + effect.reason : ""}`, { class: "il-flag" }));
    }
  } catch (e) {
    item.append(el("div", "(could not load the record)"));
  }
  return item;
}

async function run(box, file, tools) {
  const { decodePixels, pdqFromRGBA, lookup, sha256Hex } = tools;
  const out = box.querySelector(".il-lookup-result");
  const root = new URL(box.dataset.root, document.baseURI);
  out.replaceChildren(el("p", "Computing the fingerprint in your browser…"));
  const bytes = await file.arrayBuffer();
  const sha256 = await sha256Hex(bytes);
  let pdq = null;
  try {
    const [data, width, height] = await decodePixels(new Blob([bytes]), MAX_SIDE);
    pdq = pdqFromRGBA(data, width, height);
  } catch (e) {
    pdq = null; // not an image the browser can decode: exact match only
  }
  const index = new URL("api/v1/images/", root);
  const found = await lookup((path) => fetchBytes(new URL(path, index)), { sha256, pdq });
  const facts = el("p", `SHA-256 ${sha256}` + (pdq ? ` · PDQ ${pdq.hex} (quality ${pdq.quality})` : " · no PDQ fingerprint"), { class: "il-lookup-facts" });
  const hits = el("ul");
  for (const ref of found.exact) hits.append(await describe(root, ref, "this exact file"));
  for (const match of found.near) {
    if (found.exact.includes(match.ref)) continue;
    hits.append(await describe(root, match.ref, `a near-duplicate (PDQ distance ${match.distance} of 256)`));
  }
  const verdict = hits.children.length
    ? el("p", `Disclosed in ${hits.children.length} record(s):`, { class: "il-lookup-verdict" })
    : el("p", "No disclosure in this ledger matches this image. That does not mean the image is not AI-generated or that no one used it: only what publishers disclose here can be found.", { class: "il-lookup-verdict il-lookup-none" });
  out.replaceChildren(verdict, hits, facts);
}

async function init(box) {
  const [pdq, index] = await Promise.all([import("./pdq.js"), import("./image-index.js")]);
  const tools = { decodePixels: pdq.decodePixels, pdqFromRGBA: pdq.pdqFromRGBA, lookup: index.lookup, sha256Hex: index.sha256Hex };
  const input = box.querySelector("input[type=file]");
  const go = (file) => run(box, file, tools).catch((e) => {
    box.querySelector(".il-lookup-result").replaceChildren(el("p", `Look-up failed: ${e.message}`));
  });
  input.addEventListener("change", () => input.files[0] && go(input.files[0]));
  box.addEventListener("dragover", (e) => e.preventDefault());
  box.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer.files[0]) go(e.dataTransfer.files[0]);
  });
  box.dataset.ready = "true";
}

// --- Find a consent (receipt code) or a record (record hash) --------------------------

const RECEIPT_DOMAIN = "imageledger/receipt/v1\n";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The secret's bytes from its code as a person typed it (tools/imageledger/consent/secret.py). */
export function parseSecret(text) {
  const compact = text.replace(/[\s-]/g, "").toUpperCase();
  if (!compact || compact.length % 8) throw new Error("a receipt code has 8, 16, 24 or 32 … characters");
  let bits = 0n;
  for (const char of compact) {
    const value = char === "I" || char === "L" ? 1 : char === "O" ? 0 : CROCKFORD.indexOf(char);
    if (value < 0) throw new Error(`${char} is not a receipt-code character`);
    bits = (bits << 5n) | BigInt(value);
  }
  const length = (compact.length * 5) / 8;
  if (length < 16 || length > 64) throw new Error("a receipt code has 128 to 512 bits");
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(bits & 0xffn);
    bits >>= 8n;
  }
  return out;
}

/** The receipt commitment of a secret, as the ledger stores it (imageledger.consent.secret). */
export async function commitment(secret) {
  const domain = new TextEncoder().encode(RECEIPT_DOMAIN);
  const message = new Uint8Array(domain.length + secret.length);
  message.set(domain);
  message.set(secret, domain.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", message));
  return "sha256:" + Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function shardLookup(root, folder, key) {
  const base = new URL(`api/v1/${folder}/`, root);
  const meta = JSON.parse(await fetchText(new URL("meta.json", base)));
  const digest = key.slice("sha256:".length);
  const shard = await fetchText(new URL(`${digest.slice(0, meta.prefix)}.json`, base));
  return shard === null ? [] : JSON.parse(shard).entries[key] || [];
}

async function find(box) {
  const out = box.querySelector(".il-find-result");
  const root = new URL(box.dataset.root, document.baseURI);
  const value = box.querySelector("input").value.trim();
  const hash = /^(sha256:)?([0-9a-fA-F]{64})$/.exec(value);
  let refs;
  let what;
  if (hash) {
    what = "record hash";
    refs = await shardLookup(root, "hashes", "sha256:" + hash[2].toLowerCase());
  } else {
    what = "receipt code";
    refs = await shardLookup(root, "receipts", await commitment(parseSecret(value)));
  }
  if (!refs.length) {
    out.replaceChildren(el("p", `No record in this ledger matches this ${what}.`, { class: "il-find-verdict il-lookup-none" }));
    return;
  }
  const list = el("ul");
  for (const ref of refs) {
    const item = await describe(root, ref, what === "receipt code" ? "your consent" : "this record");
    const record = await recordEntry(root, ref);
    for (const user of record.relied_on_by || []) {
      const line = el("div", "relied on by ");
      line.append(el("a", user, { href: new URL(`r/${user}/`, root).href }));
      item.append(line);
    }
    list.append(item);
    // Consent status and its dependent disclosures (consent-status.js, issue 7).
    if (what === "receipt code") await import("./consent-status.js").then((m) => m.showStatus(root, value, ref, item)).catch(() => item.append(el("div", "(status unavailable)")));
  }
  out.replaceChildren(el("p", `Found (${what}):`, { class: "il-find-verdict" }), list);
}

function initFind(box) {
  const go = () => find(box).catch((e) => {
    box.querySelector(".il-find-result").replaceChildren(el("p", `Not found: ${e.message}`, { class: "il-find-verdict" }));
  });
  box.querySelector("button").addEventListener("click", go);
  box.querySelector("input").addEventListener("keydown", (e) => e.key === "Enter" && go());
  box.dataset.ready = "true";
}

const box = document.getElementById("il-lookup");
if (box) init(box);
const findBox = document.getElementById("il-find");
if (findBox) initFind(findBox);
