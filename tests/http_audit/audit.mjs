// graphql-http's GraphQL-over-HTTP audit against a running server; prints one JSON object.
//   node audit.mjs http://127.0.0.1:8000/graphql [--origin https://app.example]
// With --origin every request carries that Origin header, as a browser on that origin would
// send it, so the audit runs through the CORS middleware too.
import { auditServer } from "graphql-http";

const args = process.argv.slice(2);
const url = args.find((a) => !a.startsWith("--"));
const originAt = args.indexOf("--origin");
const origin = originAt >= 0 ? args[originAt + 1] : null;
if (!url) {
  console.error("usage: node audit.mjs URL [--origin ORIGIN]");
  process.exit(2);
}

function fetchFn(input, init = {}) {
  if (!origin) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set("origin", origin);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn });
const summary = { total: results.length, ok: 0, MUST: 0, SHOULD: 0, MAY: 0, failures: [] };
for (const result of results) {
  if (result.status === "ok") {
    summary.ok += 1;
    continue;
  }
  summary[result.name.split(" ")[0]] += 1;
  let body = null;
  try {
    body = await result.response.text();
  } catch {
    // the body may be consumed already
  }
  summary.failures.push({
    id: result.id, name: result.name, status: result.status, reason: result.reason,
    httpStatus: result.response.status, body,
  });
}
console.log(JSON.stringify(summary, null, 2));
