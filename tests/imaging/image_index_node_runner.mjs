// Look up queries in a site image index folder with site_src/assets/js/image-index.js,
// for tests/imaging/test_image_index_js.py.
//
// Usage: node image_index_node_runner.mjs INDEX_DIR QUERIES.json
// QUERIES.json: [{"sha256", "pdq": {"hex", "quality"} | null}, ...]; prints one JSON array.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lookup, sha256Hex } from "../../site_src/assets/js/image-index.js";

const [dir, queriesFile] = process.argv.slice(2);
const read = async (path) => {
  try {
    return new Uint8Array(readFileSync(join(dir, path)));
  } catch {
    return null;
  }
};
const out = [];
for (const query of JSON.parse(readFileSync(queriesFile, "utf8"))) {
  out.push(await lookup(read, query));
}
out.push(await sha256Hex(new TextEncoder().encode("abc")));
process.stdout.write(JSON.stringify(out));
