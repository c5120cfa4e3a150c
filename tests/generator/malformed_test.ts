import assert from "node:assert/strict";
import { type RejectKind, validateEvent } from "../../contracts/events/mod.ts";
import { MALFORMED_KINDS } from "../../generator/malformed.ts";
import { generateInto, readLines, tempLanding } from "./_landing.ts";

Deno.test("the malformed share is close to the configured rate", () => {
  const landing = tempLanding();
  const report = generateInto(landing, { events: 20_000, malformedRate: 0.01 });
  const invalid = readLines(landing).filter((l) => !validateEvent(l.topic, l.raw).ok).length;
  assert.equal(invalid, report.malformed);
  // 200 expected; a binomial count stays well within ±30% of that.
  assert.ok(invalid > 140 && invalid < 260, `${invalid} malformed of 20,000`);
});

Deno.test("validateEvent recognises every injected malformed kind, and nothing else fails", () => {
  const landing = tempLanding();
  const report = generateInto(landing, { events: 5_000, malformedRate: 0.05 });
  const found: Record<RejectKind, number> = {
    broken_json: 0,
    missing_field: 0,
    wrong_type: 0,
    negative_amount: 0,
    unknown_currency: 0,
    invalid_value: 0,
  };
  for (const line of readLines(landing)) {
    const result = validateEvent(line.topic, line.raw);
    if (!result.ok) found[result.kind]++;
  }
  for (const kind of MALFORMED_KINDS) {
    assert.ok(report.malformedByKind[kind] > 0, `${kind} never injected`);
    assert.equal(found[kind], report.malformedByKind[kind], kind);
  }
  assert.equal(found.invalid_value, 0);
});
