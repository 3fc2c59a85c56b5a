// PDQ, Meta's 256-bit perceptual image hash, with its 0-100 quality score.
//
// The browser twin of tools/imageledger/imaging/pdq.py, which documents the algorithm
// (Meta's reference pdqHash256FromFloatLuma, facebook/ThreatExchange pdq/cpp) step by step.
//
// Agreement guarantee: this module performs the same IEEE-754 double operations, in the
// same order, as the Python one: luminance as (0.299 R + 0.587 G) + 0.114 B; each box
// filter output as one subtraction of sequential prefix sums and one division; the 64x64
// sample at int((i + 0.5) * dim / 64); DCT sums over k = 0..63 in order (JavaScript never
// fuses a multiply-add); the cosine table from the same + - * / series rather than
// Math.cos, whose last bit differs between engines. So for identical RGB pixels it returns
// the identical hex and quality; tests/imaging/test_pdq.py checks this under Node. Alpha is
// ignored: callers composite (or not) exactly as the Python side does.
//
// No dependencies, no globals.

const MIN_DIM = 5;
const HEX_RE = /^[0-9a-f]{64}$/;

function seriesCos(x) {
  const x2 = x * x;
  let t = 1.0;
  for (let k = 12; k > 0; k--) t = 1.0 - (x2 / ((2 * k - 1) * (2 * k))) * t;
  return t;
}

function seriesSin(x) {
  const x2 = x * x;
  let t = 1.0;
  for (let k = 12; k > 0; k--) t = 1.0 - (x2 / ((2 * k) * (2 * k + 1))) * t;
  return x * t;
}

// cos(pi m / 128), exactly as _cos_pi_128 in pdq.py.
function cosPi128(m) {
  let r = m % 256;
  if (r > 128) r = 256 - r;
  let sign = 1.0;
  if (r > 64) {
    r = 128 - r;
    sign = -1.0;
  }
  if (r <= 32) return sign * seriesCos((Math.PI * r) / 128);
  return sign * seriesSin((Math.PI * (64 - r)) / 128);
}

// 16x64 DCT-II rows 1..16 (the DC row skipped), row-major.
const DCT = (() => {
  const scale = Math.sqrt(2.0 / 64.0);
  const d = new Float64Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) d[i * 64 + j] = scale * cosPi128((i + 1) * (2 * j + 1));
  }
  return d;
})();

function windowSize(dim) {
  return Math.floor((dim + 2 * 64 - 1) / (2 * 64));
}

function centres(dim) {
  const c = new Int32Array(64);
  for (let i = 0; i < 64; i++) c[i] = Math.floor(((2 * i + 1) * dim) / 128);
  return c;
}

// The reference's window: output o averages inputs [o + h - w, o + h - 1] clipped to
// [0, n - 1], h = (w + 2) >> 1. Returned for the outputs listed in `outs`.
function boxPlan(n, w, outs) {
  const half = (w + 2) >> 1;
  const lo = new Int32Array(outs.length);
  const hi = new Int32Array(outs.length);
  const cnt = new Float64Array(outs.length);
  for (let t = 0; t < outs.length; t++) {
    hi[t] = Math.min(n, outs[t] + half);
    lo[t] = Math.max(0, outs[t] + half - w);
    cnt[t] = hi[t] - lo[t];
  }
  return { lo, hi, cnt };
}

// Box filter along each row, in place.
function boxRowsInPlace(buf, rows, cols, w) {
  if (w === 1) return; // the identity, kept exact
  const { lo, hi, cnt } = boxPlan(cols, w, indices(cols));
  const prefix = new Float64Array(cols + 1);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) prefix[c + 1] = prefix[c] + buf[base + c];
    for (let c = 0; c < cols; c++) buf[base + c] = (prefix[hi[c]] - prefix[lo[c]]) / cnt[c];
  }
}

// Box filter along each row of src (rows x cols), sampled at outCols: rows x 64.
function boxRowsAt(src, rows, cols, w, outCols) {
  const m = outCols.length;
  const out = new Float64Array(rows * m);
  const { lo, hi, cnt } = boxPlan(cols, w, outCols);
  const prefix = new Float64Array(cols + 1);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (w === 1) {
      for (let t = 0; t < m; t++) out[r * m + t] = src[base + outCols[t]];
      continue;
    }
    for (let c = 0; c < cols; c++) prefix[c + 1] = prefix[c] + src[base + c];
    for (let t = 0; t < m; t++) out[r * m + t] = (prefix[hi[t]] - prefix[lo[t]]) / cnt[t];
  }
  return out;
}

// Box filter down the columns of src (rows x cols) at the increasing rows outRows,
// written to dst (outRows.length x cols), which may be src itself when outRows is every
// row: output t is written once prefix row hi[t] > t exists, after row t was last read.
// The column prefix sums run row by row, so each column adds in the same order as a
// column-wise cumsum, while only the rows some pending output still needs are kept.
function boxCols(src, rows, cols, w, outRows, dst) {
  const m = outRows.length;
  if (w === 1) {
    for (let t = 0; t < m; t++) {
      if (dst !== src || outRows[t] !== t) dst.set(src.subarray(outRows[t] * cols, (outRows[t] + 1) * cols), t * cols);
    }
    return dst;
  }
  const { lo, hi, cnt } = boxPlan(rows, w, outRows);
  const keep = new Uint8Array(rows + 1);
  for (let t = 0; t < m; t++) keep[lo[t]] = 1;
  const kept = new Map();
  const acc = new Float64Array(cols); // prefix row k: the sum of src rows 0..k-1
  let t = 0;
  for (let k = 0; k <= rows && t < m; k++) {
    if (k > 0) {
      const p = (k - 1) * cols;
      for (let c = 0; c < cols; c++) acc[c] = acc[c] + src[p + c];
    }
    if (keep[k]) kept.set(k, acc.slice());
    while (t < m && hi[t] === k) {
      const base = kept.get(lo[t]);
      const o = t * cols;
      for (let c = 0; c < cols; c++) dst[o + c] = (acc[c] - base[c]) / cnt[t];
      t++;
      for (const key of kept.keys()) if (t === m || key < lo[t]) kept.delete(key);
    }
  }
  return dst;
}

function indices(n) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

// Two (rows, columns) box passes and decimation to 64x64. The first pass runs in place
// over the luminance (one full-size buffer in all); the second only where sampled.
function downsample64(luma, rows, cols) {
  if (rows === 64 && cols === 64) return luma;
  const alongRows = windowSize(cols);
  const alongCols = windowSize(rows);
  boxRowsInPlace(luma, rows, cols, alongRows);
  boxCols(luma, rows, cols, alongCols, indices(rows), luma);
  const twice = boxRowsAt(luma, rows, cols, alongRows, centres(cols));
  return boxCols(twice, rows, 64, alongCols, centres(rows), new Float64Array(64 * 64));
}

function quality(a) {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) sum += Math.abs(Math.trunc(((a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100.0) / 255.0));
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) sum += Math.abs(Math.trunc(((a[i * 64 + j] - a[i * 64 + j + 1]) * 100.0) / 255.0));
  }
  return Math.min(Math.floor(sum / 90), 100);
}

function dct16(a) {
  const t = new Float64Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let s = 0.0;
      for (let k = 0; k < 64; k++) s += DCT[i * 64 + k] * a[k * 64 + j];
      t[i * 64 + j] = s;
    }
  }
  const b = new Float64Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0.0;
      for (let k = 0; k < 64; k++) s += t[i * 64 + k] * DCT[j * 64 + k];
      b[i * 16 + j] = s;
    }
  }
  return b;
}

function toHex(b) {
  const median = Float64Array.from(b).sort()[127]; // lower median, as Torben's
  let hex = "";
  for (let i = 15; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < 16; j++) if (b[i * 16 + j] > median) word |= 1 << j;
    hex += word.toString(16).padStart(4, "0");
  }
  return hex;
}

/**
 * PDQ hash of decoded pixels, e.g. canvas getImageData().data.
 * @param {Uint8ClampedArray|Uint8Array} data RGBA, row-major, 4 bytes a pixel
 * @param {number} width
 * @param {number} height
 * @returns {{hex: string, quality: number}}
 */
export function pdqFromRGBA(data, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError("pdq: width and height must be non-negative integers");
  }
  if (!data || data.length !== width * height * 4) {
    throw new RangeError("pdq: data must hold width * height * 4 RGBA bytes");
  }
  if (width < MIN_DIM || height < MIN_DIM) {
    throw new RangeError(`pdq: image is ${width}x${height} px; PDQ needs at least ${MIN_DIM}x${MIN_DIM}`);
  }
  const n = width * height;
  const luma = new Float64Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    luma[p] = 0.299 * data[q] + 0.587 * data[q + 1] + 0.114 * data[q + 2];
  }
  const block = downsample64(luma, height, width);
  return { hex: toHex(dct16(block)), quality: quality(block) };
}

/**
 * Decode an image file in the browser into RGBA pixels, as the look-up page does: no colour
 * conversion, orientation from the file, and, above maxSide pixels on the longer side, the
 * browser scaling while it decodes (the counterpart of reduced-size JPEG decoding).
 * @param {Blob} blob
 * @param {number} [maxSide]
 * @returns {Promise<[Uint8ClampedArray, number, number]>} data, width, height
 */
export async function decodePixels(blob, maxSide) {
  const options = { colorSpaceConversion: "none", premultiplyAlpha: "none", imageOrientation: "from-image" };
  let bitmap = await createImageBitmap(blob, options);
  if (maxSide && Math.max(bitmap.width, bitmap.height) > maxSide) {
    const scale = maxSide / Math.max(bitmap.width, bitmap.height);
    const resizeWidth = Math.round(bitmap.width * scale);
    const resizeHeight = Math.round(bitmap.height * scale);
    bitmap.close();
    bitmap = await createImageBitmap(blob, { ...options, resizeWidth, resizeHeight, resizeQuality: "medium" });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  return [ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap.width, bitmap.height];
}

/**
 * Number of differing bits between two PDQ hashes in lowercase hex; <= 31 is a match.
 * @param {string} hexA
 * @param {string} hexB
 * @returns {number}
 */
export function hamming(hexA, hexB) {
  if (!HEX_RE.test(hexA) || !HEX_RE.test(hexB)) {
    throw new RangeError("pdq: a hash is 64 lowercase hex digits");
  }
  let d = 0;
  for (let i = 0; i < 64; i++) {
    let x = parseInt(hexA[i], 16) ^ parseInt(hexB[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}
