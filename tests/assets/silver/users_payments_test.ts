// silver.users and silver.payments on hand-built bronze, against values written out by hand: the
// newest profile per user as of the day's end, and each payment event of the day once.
import assert from "node:assert/strict";
import { type Fixture, openTransformHarness, readCurrent } from "../_bronze_fixture.ts";
import { order, payment, user } from "../_events.ts";

const DAY = "2026-01-10";

async function rows(events: Fixture, key: string) {
  const h = await openTransformHarness({ events });
  try {
    const outcome = await h.run({ selection: `+${key}`, partitions: `2026-01-01..2026-01-11` });
    assert.equal(outcome.run?.status, "succeeded");
    // Dates and timestamps as ISO text, so each row reads as the values written below.
    return (await readCurrent(h, key, DAY)).map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
      )
    );
  } finally {
    await h.close();
  }
}

Deno.test("silver.users holds each user's newest profile before the day ends", async () => {
  const signup = user({
    user_id: "usr_a",
    event_time: "2026-01-03T09:00:00.000Z",
    home_country: "US",
    kyc_status: "pending",
  });
  const update = user({
    user_id: "usr_a",
    event_type: "profile_update",
    event_time: "2026-01-10T10:00:00.000Z",
    account_created_at: "2026-01-03T09:00:00.000Z",
    home_country: "GB",
    email_domain: "mail.example",
    kyc_status: "verified",
    phone_verified: false,
  });
  const tomorrow = user({
    user_id: "usr_a",
    event_type: "profile_update",
    event_time: "2026-01-11T08:00:00.000Z",
    account_created_at: "2026-01-03T09:00:00.000Z",
    home_country: "FR",
  });
  const lastMinute = user({ user_id: "usr_b", event_time: "2026-01-10T23:59:59.999Z" });
  const later = user({ user_id: "usr_c", event_time: "2026-01-11T00:00:00.000Z" });
  assert.deepEqual(
    await rows({ users: [signup, update, tomorrow, lastMinute, later] }, "silver.users"),
    [
      {
        as_of_date: "2026-01-10",
        user_id: "usr_a",
        account_created_at: "2026-01-03T09:00:00.000Z",
        home_country: "GB",
        email_domain: "mail.example",
        kyc_status: "verified",
        phone_verified: false,
        profile_updated_at: "2026-01-10T10:00:00.000Z",
        last_event_type: "profile_update",
      },
      {
        as_of_date: "2026-01-10",
        user_id: "usr_b",
        account_created_at: "2026-01-10T23:59:59.999Z",
        home_country: "US",
        email_domain: "example.com",
        kyc_status: "verified",
        phone_verified: true,
        profile_updated_at: "2026-01-10T23:59:59.999Z",
        last_event_type: "signup",
      },
    ],
  );
});

Deno.test("silver.payments holds each payment event of the day once, a settlement as its own row", async () => {
  const paid = order({ user_id: "usr_a", event_time: "2026-01-10T08:00:00.000Z" });
  const pending = order({ user_id: "usr_b", event_time: "2026-01-10T09:00:00.000Z" });
  const first = payment(paid, { event_time: "2026-01-10T08:00:01.000Z", status: "SUCCEEDED" });
  const held = payment(pending, { event_time: "2026-01-10T09:00:01.000Z", status: "PENDING" });
  const settled = payment(pending, { event_time: "2026-01-10T15:00:00.000Z" });
  const nextDay = payment(paid, { event_time: "2026-01-11T10:00:00.000Z", status: "CHARGEBACK" });
  const got = await rows({
    orders: [paid, pending],
    // `held` is delivered twice: one row.
    payments: [first, held, held, settled, nextDay],
  }, "silver.payments");
  const row = (p: typeof first, status: string, time: string) => ({
    event_id: p.event_id,
    payment_id: p.payment_id,
    order_id: p.order_id,
    user_id: p.user_id,
    status,
    event_time: time,
    event_date: "2026-01-10",
  });
  assert.deepEqual(got, [
    row(first, "SUCCEEDED", "2026-01-10T08:00:01.000Z"),
    row(held, "PENDING", "2026-01-10T09:00:01.000Z"),
    row(settled, "SUCCEEDED", "2026-01-10T15:00:00.000Z"),
  ]);
});
