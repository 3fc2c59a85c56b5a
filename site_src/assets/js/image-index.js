// Look-up in the site's static image index (tools/imageledger/imaging/site_index.py,
// layout 2, ADR 0012), in the browser, with nothing uploaded: the same layout and rules
// as the Python side.
//
//   meta.json            layout and counts; sha256.present and pdq.present: base64 bitmaps
//                        of the shards that exist (most significant bit first)
//   sha256/<ppp>.bin     records by the first 3 hex digits of the image's SHA-256
//   pdq/<c>/<kkk>.bin    trusted fingerprints by the top 11 bits of their 16-bit chunk c
//
// Shards are binary (tools/imageledger/imaging/index_format.py): "ILIX" 2, kind "S"|"P",
// a table of publisher ids, then rows of 32-byte hash [quality] publisher# seq (LEB128).
// PDQ: a look-up reads the query's 16 shards and keeps rows within 31 bits. Every match
// within 15 bits is found (15 differing bits cannot touch all 16 key fields); beyond that,
// whenever one of the 16 11-bit key fields is untouched (99.5% of random 31-bit changes).

export const VERSION = 2;
export const MATCH_DISTANCE = 31;
export const MIN_QUALITY = 50;
const CHUNKS = 16;
const KEY_BITS = 11;
const SHA_PREFIX_BITS = 12;
const MAGIC = [0x49, 0x4c, 0x49, 0x58, 0x02]; // "ILIX" 2
const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const PUBLISHER = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const HEX64 = /^[0-9a-f]{64}$/;
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

/** Lowercase hex SHA-256 of a file's bytes (WebCrypto; nothing leaves the page). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex) {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

function bytesOf(data) {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

function has(bitmap, bit) {
  return (bitmap[bit >> 3] & (0x80 >> (bit & 7))) !== 0;
}

async function loadMeta(read) {
  const data = await read("meta.json");
  if (data === null || data === undefined) throw new Error("this site has no image index");
  const meta = JSON.parse(new TextDecoder().decode(bytesOf(data)));
  const ok =
    meta && meta.v === VERSION && meta.sha256 && meta.pdq &&
    meta.sha256.prefix_bits === SHA_PREFIX_BITS && meta.pdq.chunks === CHUNKS &&
    meta.pdq.chunk_bits === 16 && meta.pdq.key_bits === KEY_BITS;
  if (!ok) throw new Error(`meta.json: not a layout-${VERSION} image index`);
  const bitmap = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const sha = bitmap(meta.sha256.present);
  const pdq = bitmap(meta.pdq.present);
  if (sha.length !== (1 << SHA_PREFIX_BITS) / 8 || pdq.length !== (CHUNKS << KEY_BITS) / 8) {
    throw new Error("meta.json: presence bitmaps of the wrong size");
  }
  return { sha, pdq };
}

/** The rows of a binary shard: {key: Uint8Array(32), quality, ref}. Throws on bad input. */
export function decodeShard(kind, data, path) {
  const bytes = bytesOf(data);
  let pos = 0;
  const fail = (why) => {
    throw new Error(`${path}: not a layout-${VERSION} image index shard (${why})`);
  };
  const take = (n) => {
    if (pos + n > bytes.length) fail("truncated");
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const uvarint = () => {
    let value = 0;
    for (let shift = 0; shift <= 56; shift += 7) {
      const byte = take(1)[0];
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) {
        if (byte === 0 && shift > 0) fail("non-minimal number");
        if (value > MAX_SEQ) fail("number too large");
        return value;
      }
    }
    return fail("number too long");
  };
  const head = take(MAGIC.length + 1);
  if (MAGIC.some((b, i) => head[i] !== b) || head[MAGIC.length] !== kind.charCodeAt(0)) fail("magic");
  const publishers = [];
  const ascii = new TextDecoder("ascii");
  for (let n = uvarint(); n > 0; n--) {
    const name = ascii.decode(take(uvarint()));
    if (!PUBLISHER.test(name) || (publishers.length && name <= publishers[publishers.length - 1])) fail("publishers");
    publishers.push(name);
  }
  const rows = [];
  for (let n = uvarint(); n > 0; n--) {
    const key = take(32);
    const quality = kind === "P" ? take(1)[0] : null;
    const publisher = publishers[uvarint()];
    if (publisher === undefined) fail("publisher number");
    rows.push({ key, quality, ref: `${publisher}/${uvarint()}` });
  }
  if (pos !== bytes.length) fail("trailing bytes");
  return rows;
}

async function shard(read, kind, path) {
  const data = await read(path);
  // meta.json lists it: missing means a partial upload or a mixed-up folder.
  if (data === null || data === undefined) throw new Error(`${path}: listed in meta.json but missing`);
  return decodeShard(kind, data, path);
}

function distance(a, b) {
  let d = 0;
  for (let i = 0; i < 32; i++) d += POPCOUNT[a[i] ^ b[i]];
  return d;
}

/**
 * Answer a look-up from an index served by `read(path)` (the file's bytes as an ArrayBuffer
 * or Uint8Array, or null when missing).
 * @param {(path: string) => Promise<ArrayBuffer|Uint8Array|null>} read e.g. fetch() relative to the index
 * @param {{sha256: string, pdq: {hex: string, quality: number}|null}} query
 * @returns {Promise<{exact: string[], near: {ref: string, distance: number, quality: number}[]}>}
 */
export async function lookup(read, { sha256, pdq }) {
  if (!HEX64.test(sha256)) throw new RangeError("sha256 must be 64 lowercase hex digits");
  const present = await loadMeta(read);
  const prefix = parseInt(sha256.slice(0, SHA_PREFIX_BITS / 4), 16);
  const paths = [];
  if (has(present.sha, prefix)) paths.push(["S", `sha256/${sha256.slice(0, SHA_PREFIX_BITS / 4)}.bin`]);
  let query = null;
  if (pdq && pdq.quality >= MIN_QUALITY && HEX64.test(pdq.hex)) {
    query = fromHex(pdq.hex);
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const key = ((query[2 * chunk] << 8) | query[2 * chunk + 1]) >> (16 - KEY_BITS);
      if (!has(present.pdq, (chunk << KEY_BITS) | key)) continue; // never written: no row has it
      paths.push(["P", `pdq/${chunk.toString(16)}/${key.toString(16).padStart(3, "0")}.bin`]);
    }
  }
  const shards = await Promise.all(paths.map(([kind, path]) => shard(read, kind, path)));
  const exact = [];
  const near = new Map();
  const sha = fromHex(sha256);
  shards.forEach((rows, i) => {
    for (const row of rows) {
      if (paths[i][0] === "S") {
        if (distance(row.key, sha) === 0) exact.push(row.ref);
        continue;
      }
      const d = distance(row.key, query);
      if (row.quality < MIN_QUALITY || d > MATCH_DISTANCE) continue;
      const seen = near.get(row.ref);
      if (!seen || d < seen.distance || (d === seen.distance && row.quality < seen.quality)) {
        near.set(row.ref, { ref: row.ref, distance: d, quality: row.quality });
      }
    }
  });
  const sorted = [...near.values()].sort(
    (a, b) => a.distance - b.distance || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0),
  );
  return { exact, near: sorted };
}
