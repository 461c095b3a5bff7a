// graphql-http's server audits (the GraphQL-over-HTTP spec) against a running server:
//
//   node .ci/graphql-http-audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints every audit that is not ok and the MUST/SHOULD/MAY counts; exits non-zero on any
// MUST failure or SHOULD warning (MAY notices are only printed).
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node .ci/graphql-http-audit.mjs URL');
  process.exit(2);
}

const counts = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
let failed = false;
// One at a time, as a client would send them.
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  counts[level][1] += 1;
  if (result.status === 'ok') {
    counts[level][0] += 1;
    continue;
  }
  failed ||= level === 'MUST' || level === 'SHOULD';
  let body = '';
  try {
    body = (await result.response.text()).slice(0, 300);
  } catch {
    // the body was read by the audit already
  }
  console.log(`${result.status} ${audit.id} ${audit.name}: ${result.reason}${body ? `\n    ${body}` : ''}`);
}
const summary = Object.entries(counts)
  .map(([level, [ok, all]]) => `${level} ${ok}/${all}`)
  .join(', ');
console.log(`graphql-http audits: ${summary}`);
process.exit(failed ? 1 : 0);
