import assert from "node:assert/strict";
import type { PaymentEvent } from "../../contracts/events/mod.ts";
import { generateInto, readLines, tempLanding, validEvents } from "./_landing.ts";

const landing = tempLanding();
generateInto(landing, { events: 20_000, malformedRate: 0 });
const lines = readLines(landing);
const payments = validEvents(lines, "payments");

function byPayment(events: readonly PaymentEvent[]): Map<string, PaymentEvent[]> {
  const groups = new Map<string, PaymentEvent[]>();
  for (const event of events) {
    const list = groups.get(event.payment_id) ?? [];
    list.push(event);
    groups.set(event.payment_id, list);
  }
  return groups;
}

Deno.test("every PENDING payment settles through a later event with the same payment_id", () => {
  const pending = payments.filter((p) => p.status === "PENDING");
  assert.ok(pending.length > 20, `only ${pending.length} pending payments`);
  const groups = byPayment(payments);
  for (const first of pending) {
    const later = groups.get(first.payment_id)!.filter((p) => p.status !== "PENDING");
    assert.ok(later.length >= 1, `${first.payment_id} never settles`);
    assert.ok(later.every((p) => p.event_time > first.event_time), first.payment_id);
    assert.ok(later.every((p) => p.order_id === first.order_id && p.amount === first.amount));
  }
});

Deno.test("every payment belongs to an order of the same user, in its currency and amount", () => {
  const orders = new Map(validEvents(lines, "orders").map((o) => [o.order_id, o]));
  for (const payment of payments) {
    const order = orders.get(payment.order_id);
    assert.ok(order, `${payment.payment_id} pays unknown order ${payment.order_id}`);
    assert.equal(payment.user_id, order.user_id);
    assert.equal(payment.currency, order.currency);
    assert.equal(payment.amount, order.amount);
    assert.ok(payment.event_time >= order.event_time);
  }
});

Deno.test("order amounts equal the sum of their line items", () => {
  for (const order of validEvents(lines, "orders")) {
    const cents = order.items.reduce(
      (sum, i) => sum + Math.round(i.unit_price * 100) * i.quantity,
      0,
    );
    assert.equal(Math.round(order.amount * 100), cents, order.order_id);
  }
});
