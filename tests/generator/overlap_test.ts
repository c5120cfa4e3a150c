// The overlap the generator adds so a model has something to learn (generator/overlap.ts):
// honest shoppers abroad and with payments scored risky, and fraud that pays like them.
import assert from "node:assert/strict";
import { HIGH_RISK_COUNTRIES } from "../../generator/geography.ts";
import { LEGIT_PAYMENT } from "../../generator/payment_flow.ts";
import { generateInto, readLines, tempLanding, validEvents } from "./_landing.ts";

const landing = tempLanding();
generateInto(landing, { events: 60_000, seed: 5, days: 2 });
const lines = readLines(landing);
const orders = validEvents(lines, "orders");
const geo = validEvents(lines, "geo_events");
const payments = validEvents(lines, "payments");
const riskOf = new Map(payments.map((p) => [p.order_id, p.provider_risk_score]));
const honest = orders.filter((o) => o.fraud_pattern === null);
const fraud = orders.filter((o) => o.fraud_pattern !== null);
const share = (part: number, whole: number) => part / whole;

Deno.test("some honest sessions come from abroad without an anonymizer, a few from high-risk countries", () => {
  const abroad = geo.filter((g) => !g.is_vpn && !g.is_proxy && !g.is_tor);
  const homeOf = new Map(validEvents(lines, "users").map((u) => [u.user_id, u.home_country]));
  const travelling = abroad.filter((g) => {
    const home = homeOf.get(g.user_id);
    return home !== undefined && home !== g.ip_country;
  });
  const highRisk = new Set(HIGH_RISK_COUNTRIES.map((c) => c.code));
  assert.ok(travelling.length > 0.01 * geo.length, `${travelling.length} of ${geo.length}`);
  assert.ok(travelling.some((g) => highRisk.has(g.ip_country)));
});

Deno.test("some honest payments are scored as risky as fraud's", () => {
  const ceiling = LEGIT_PAYMENT.riskRange[1];
  const risky = honest.filter((o) => (riskOf.get(o.order_id) ?? 0) > ceiling).length;
  const rate = share(risky, honest.length);
  assert.ok(rate > 0.03 && rate < 0.12, `risky honest payments ${rate}`);
});

Deno.test("some fraud pays like its victim: a provider risk below any blatant fraud's", () => {
  // Blatant fraud's provider risk starts at 0.3; refund abuse has its own, lower range.
  const paying = fraud.filter((o) => o.fraud_pattern !== "refund_abuse" && riskOf.has(o.order_id));
  const quiet = paying.filter((o) => riskOf.get(o.order_id)! < 0.3).length;
  const rate = share(quiet, paying.length);
  assert.ok(rate > 0.04 && rate < 0.2, `quiet fraud ${rate}`);
});
