// Browser side of tests/imaging/browser_harness.py: hash each image of job.json as the
// site's lookup page would (decode → canvas → getImageData → pdq.js; WebCrypto SHA-256),
// optionally look each one up in the served image index, and POST the results back.

import { decodePixels, pdqFromRGBA } from "./pdq.js";
import { lookup, sha256Hex } from "./image-index.js";

async function readIndex(path) {
  const response = await fetch(`index/${path}`);
  return response.ok ? await response.arrayBuffer() : null;
}

async function main() {
  const job = await (await fetch("job.json")).json();
  const results = [];
  for (const name of job.images) {
    const bytes = await (await fetch(`images/${name}`)).arrayBuffer();
    const started = performance.now();
    const [data, width, height] = await decodePixels(new Blob([bytes]), job.maxSide);
    const pdq = pdqFromRGBA(data, width, height);
    const ms = performance.now() - started;
    const sha256 = await sha256Hex(bytes);
    const found = job.index ? await lookup(readIndex, { sha256, pdq }) : null;
    results.push({ name, sha256, hex: pdq.hex, quality: pdq.quality, ms, found });
  }
  return results;
}

let report;
try {
  report = { results: await main() };
} catch (e) {
  report = { error: String(e && e.stack ? e.stack : e) };
}
document.getElementById("out").textContent = JSON.stringify(report);
await fetch("result", { method: "POST", body: JSON.stringify(report) });
