// Records' exact canonical bytes, as the site serves them (ADR 0013): each publisher's
// api/v1/publishers/<id>/records/<page>.jsonl.gz holds the records of API page <page>
// (seqs (page-1)·size+1 … page·size), one canonical JSON document per line, gzipped.
// The browser inflates a page with DecompressionStream and takes one line's bytes: the
// bytes that were signed, hashed and logged, never a re-serialisation of them.

export function pageUrl(root, ref, page) {
  const publisher = ref.split("/")[0];
  return new URL(`api/v1/publishers/${publisher}/records/${page}.jsonl.gz`, root);
}

/** The bytes of line `line` (from 0) of the gzipped JSON-lines file at `url`. */
export async function canonicalLine(url, line, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  const inflated = response.body.pipeThrough(new DecompressionStream("gzip"));
  const all = new Uint8Array(await new Response(inflated).arrayBuffer());
  let start = 0;
  for (let n = 0; n < line; n++) {
    start = all.indexOf(0x0a, start) + 1;
    if (start === 0) throw new Error(`${url.pathname}: no line ${line + 1}`);
  }
  const end = all.indexOf(0x0a, start);
  if (end < 0) throw new Error(`${url.pathname}: no line ${line + 1}`);
  return all.slice(start, end);
}

/** Line `line` of `url` as `{ bytes, text, record }`, checked to be the record `ref`. */
export async function canonicalRecord(url, line, ref, init) {
  const bytes = await canonicalLine(url, line, init);
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const record = JSON.parse(text);
  if (record === null || typeof record !== "object" || `${record.publisher}/${record.seq}` !== ref) {
    throw new Error(`line ${line + 1} of ${url.pathname} is not ${ref}`);
  }
  return { bytes, text, record };
}
