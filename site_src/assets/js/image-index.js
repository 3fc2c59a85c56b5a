// Look-up in the site's static image index (tools/imageledger/imaging/site_index.py),
// in the browser, with nothing uploaded: the same layout and rules as the Python side.
//
//   meta.json                 layout: sha256 prefix length, PDQ chunking, threshold, and
//                             pdq.present, a bitmap of the PDQ shards that exist
//   sha256/<prefix>.json      {"v": 1, "entries": {<sha256>: [<ref>, ...]}}
//   pdq/<cc>/<vv>.json        {"v": 1, "entries": [[<pdq hex>, <quality>, <ref>], ...]}
//
// PDQ: 32 exact 8-bit chunks. A fingerprint within 31 bits of the query shares at least
// one chunk value with it (31 differing bits cannot touch all 32 chunks), so reading the
// query's 32 shards and verifying the full distance finds every match.

import { hamming } from "./pdq.js";

export const VERSION = 1;
export const MATCH_DISTANCE = 31;
export const MIN_QUALITY = 50;

const HEX64 = /^[0-9a-f]{64}$/;

/** Lowercase hex SHA-256 of a file's bytes (WebCrypto; nothing leaves the page). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function load(read, path) {
  const text = await read(path);
  if (text === null || text === undefined) return null;
  const value = JSON.parse(text);
  if (!value || typeof value !== "object" || value.v !== VERSION) {
    throw new Error(`${path}: not a version-${VERSION} image index file`);
  }
  return value;
}

/**
 * Answer a look-up from an index served by `read(path)` (text, or null when missing).
 * @param {(path: string) => Promise<string|null>} read e.g. a fetch() relative to the index
 * @param {{sha256: string, pdq: {hex: string, quality: number}|null}} query
 * @returns {Promise<{exact: string[], near: {ref: string, distance: number, quality: number}[]}>}
 */
export async function lookup(read, { sha256, pdq }) {
  if (!HEX64.test(sha256)) throw new RangeError("sha256 must be 64 lowercase hex digits");
  const meta = await load(read, "meta.json");
  if (meta === null) throw new Error("this site has no image index");
  const prefix = meta.sha256.prefix;
  const shard = await load(read, `sha256/${sha256.slice(0, prefix)}.json`);
  const exact = (shard && shard.entries[sha256]) || [];
  const near = new Map();
  if (pdq && pdq.quality >= MIN_QUALITY && HEX64.test(pdq.hex)) {
    // meta.pdq.present: which shards exist (bit chunk*256+value, most significant first);
    // a shard no fingerprint falls in was never written, so it is not asked for.
    const present = meta.pdq.present ? Uint8Array.from(atob(meta.pdq.present), (c) => c.charCodeAt(0)) : null;
    const paths = [];
    for (let i = 0; i < 32; i++) {
      const value = parseInt(pdq.hex.slice(2 * i, 2 * i + 2), 16);
      const bit = i * 256 + value;
      if (present && !(present[bit >> 3] & (0x80 >> (bit & 7)))) continue;
      paths.push(`pdq/${i.toString(16).padStart(2, "0")}/${pdq.hex.slice(2 * i, 2 * i + 2)}.json`);
    }
    const shards = await Promise.all(paths.map((p) => load(read, p)));
    for (const s of shards) {
      for (const [hex, quality, ref] of (s && s.entries) || []) {
        if (quality < MIN_QUALITY) continue;
        const distance = hamming(pdq.hex, hex);
        if (distance <= MATCH_DISTANCE) near.set(ref, { ref, distance, quality });
      }
    }
  }
  const sorted = [...near.values()].sort(
    (a, b) => a.distance - b.distance || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0),
  );
  return { exact: [...exact], near: sorted };
}
