// Parse each AsyncAPI document given on the command line with the official AsyncAPI parser
// (@asyncapi/parser), print every diagnostic, and exit 1 when any has severity "error" or a
// document cannot be parsed at all. The Python contract test runs this; it is also usable by
// hand: `node tests/contract/js/validate.mjs services/*/asyncapi.yaml`.
import { resolve } from "node:path";
import { Parser, fromFile } from "@asyncapi/parser";

// Spectral's DiagnosticSeverity numbering, which the parser reports.
const SEVERITY = ["error", "warning", "info", "hint"];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs <asyncapi.yaml>...");
  process.exit(2);
}

const parser = new Parser();
let failed = false;
for (const file of files) {
  let document, diagnostics;
  try {
    ({ document, diagnostics } = await fromFile(parser, resolve(file)).parse());
  } catch (error) {
    // An unreadable file must not stop the others from being checked.
    failed = true;
    console.log(`${file}: INVALID (${error.message})`);
    continue;
  }
  const errors = diagnostics.filter((d) => d.severity === 0);
  for (const d of diagnostics) {
    const where = (d.path ?? []).join(".") || "(document)";
    const line = d.range ? `:${d.range.start.line + 1}` : "";
    console.log(`${file}${line} ${SEVERITY[d.severity] ?? d.severity} ${d.code} at ${where}: ${d.message}`);
  }
  if (document === undefined || errors.length > 0) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} error(s))`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}`);
  }
}
process.exit(failed ? 1 : 0);
