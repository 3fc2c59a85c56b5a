// Hash raw images with site_src/assets/js/pdq.js, for tests/imaging/test_pdq.py.
//
// Usage: node pdq_node_runner.mjs FILE...
// Each FILE holds width and height as little-endian uint32, then width * height * 4
// RGBA bytes. Prints one JSON object a line: {"file", "hex", "quality"} or {"file", "error"}.

import { readFileSync } from "node:fs";
import { pdqFromRGBA } from "../../site_src/assets/js/pdq.js";

for (const file of process.argv.slice(2)) {
  const raw = readFileSync(file);
  const width = raw.readUInt32LE(0);
  const height = raw.readUInt32LE(4);
  const data = new Uint8ClampedArray(raw.buffer, raw.byteOffset + 8, raw.length - 8);
  try {
    const started = performance.now();
    const { hex, quality } = pdqFromRGBA(data, width, height);
    const ms = performance.now() - started;
    process.stdout.write(JSON.stringify({ file, hex, quality, ms }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ file, error: String(e.message) }) + "\n");
  }
}
