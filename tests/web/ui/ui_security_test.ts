import assert from "node:assert/strict";
import { UiConfigError } from "../../../web/ui/errors.ts";
import { hostName, isLoopbackHost, SESSION_MS, UiSecurity } from "../../../web/ui/ui_security.ts";
import { CLOCK, StepClock } from "./fixtures.ts";

const TOKEN = "correct-horse-battery-staple";

Deno.test("isLoopbackHost() knows loopback names and addresses", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "app.localhost"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["0.0.0.0", "10.0.0.2", "example.com", "localhost.example.com", "::"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
  assert.equal(hostName("127.0.0.1:3000"), "127.0.0.1");
  assert.equal(hostName("[::1]:3000"), "[::1]");
});

Deno.test("UiSecurity refuses a non-loopback host without a token", () => {
  assert.throws(
    () => new UiSecurity("0.0.0.0", undefined, CLOCK),
    (error: unknown) =>
      error instanceof UiConfigError && error.field === "token" &&
      error.message.startsWith("Cannot serve the UI on '0.0.0.0' without a token"),
  );
});

Deno.test("UiSecurity refuses a short token and needs no login on loopback", () => {
  assert.throws(() => new UiSecurity("0.0.0.0", "short", CLOCK), /current length is 5/);
  assert.equal(new UiSecurity("127.0.0.1", undefined, CLOCK).loginRequired, false);
  assert.equal(new UiSecurity("0.0.0.0", TOKEN, CLOCK).loginRequired, true);
});

Deno.test("UiSecurity sessions are signed and end after a working day", () => {
  const clock = new StepClock();
  const security = new UiSecurity("0.0.0.0", TOKEN, clock);
  const session = security.newSession();
  assert.ok(security.sessionValid(session));
  assert.ok(!security.sessionValid(session.replace(/.$/, (c) => (c === "A" ? "B" : "A"))));
  assert.ok(!security.sessionValid(`${Date.parse("2026-11-02T12:00:00Z")}.forged`));
  assert.ok(!new UiSecurity("0.0.0.0", `${TOKEN}-rotated`, clock).sessionValid(session));
  clock.advance(SESSION_MS - 1);
  assert.ok(security.sessionValid(session));
  clock.advance(1);
  assert.ok(!security.sessionValid(session));
});

Deno.test("UiSecurity accepts a CSRF token only for its own nonce", () => {
  const security = new UiSecurity("127.0.0.1", undefined, CLOCK);
  const nonce = security.newCsrfNonce();
  const token = security.csrfToken(nonce);
  assert.ok(security.csrfValid(nonce, token));
  assert.ok(!security.csrfValid(security.newCsrfNonce(), token));
  assert.ok(!security.csrfValid(nonce, undefined));
  assert.ok(!security.csrfValid(undefined, token));
  assert.ok(security.tokenMatches("anything") === false);
});
