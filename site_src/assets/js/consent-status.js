// A consent's status and every disclosure relying on it, for the receipt look-up on the
// home page (lookup.js calls showStatus after finding the consent). Reads the static
// shards api/v1/consent-status/ (tools/imageledger/site/audit_data.py), chosen by the
// receipt commitment this page computes: the secret never leaves the browser.
//
// Ledger strings are shown with textContent only, never as HTML.

import { commitment, el, parseSecret } from "./lookup.js";

async function fetchJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function dependent(root, use) {
  const errors = use.findings.filter((f) => f.severity === "error");
  const verdict = errors.length ? "NOT compliant" : "compliant";
  const item = el("li", null, {
    class: "il-dependent",
    "data-ref": use.ref,
    "data-compliant": String(use.compliant),
  });
  item.append(el("a", use.ref, { href: new URL(`r/${use.ref}/`, root).href }));
  item.append(` — ${use.state} (from ${use.use.from}${use.use.until ? " until " + use.use.until : ""}) — `);
  item.append(el("strong", verdict, { class: errors.length ? "il-fail" : "il-ok" }));
  for (const finding of use.findings) {
    item.append(el("div", `${finding.severity} [${finding.code}] ${finding.message}`, { class: "il-dependent-finding" }));
  }
  return item;
}

/** Append the status of consent `ref` (found by the receipt code `value`) to `item`. */
export async function showStatus(root, value, ref, item) {
  const key = await commitment(parseSecret(value));
  const base = new URL("api/v1/consent-status/", root);
  const meta = await fetchJSON(new URL("meta.json", base));
  const shard = await fetchJSON(new URL(`${key.slice(7, 7 + meta.prefix)}.json`, base));
  const status = (shard.entries[key] || []).find((s) => s.ref === ref);
  if (!status) return;
  const box = el("div", null, { class: "il-consent-status", "data-state": status.state });
  const line = el("p", "Status ");
  line.append(el("strong", status.state, { class: "il-consent-state" }), ` as of ${status.as_of}`);
  if (status.withdrawal) line.append(` · withdrawn by ${status.withdrawal}, effective ${status.withdrawal_effective}`);
  box.append(line);
  if (status.disclosures_count) {
    box.append(el("p", `Disclosures relying on this consent (${status.disclosures_count}):`));
    const list = el("ul");
    for (const use of status.disclosures) list.append(dependent(root, use));
    box.append(list);
  } else {
    box.append(el("p", "No disclosure relies on this consent."));
  }
  item.append(box);
}
