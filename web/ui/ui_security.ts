// Who may use the UI: on a loopback host anyone on this machine, elsewhere only with the token
// (a login sets an HttpOnly, SameSite=Strict session cookie). Every state change carries a CSRF
// token: a signed double submit, the cookie's nonce and its HMAC under the server's secret.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { UiConfigError } from "./errors.ts";
import type { UiClock } from "./ui_data.ts";

export const SESSION_COOKIE = "sluice_session";
export const CSRF_COOKIE = "sluice_csrf";
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";
export const MIN_TOKEN_LENGTH = 16;
/** A login lasts a working day; after that the token is asked again. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

/** Whether `host` (a bind address or a Host header's name) is this machine only. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return name === "localhost" || name.endsWith(".localhost") || name === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(name);
}

/** The name part of a Host header: `127.0.0.1:3000` -> `127.0.0.1`, `[::1]:80` -> `[::1]`. */
export function hostName(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  const colon = hostHeader.indexOf(":");
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

export class UiSecurity {
  /** True off loopback: every request but the login page and health needs a session. */
  readonly loginRequired: boolean;
  readonly #token: string | undefined;
  readonly #secret: Uint8Array;

  constructor(host: string, token: string | undefined, private readonly clock: UiClock) {
    this.loginRequired = !isLoopbackHost(host);
    if (this.loginRequired && token === undefined) {
      throw new UiConfigError(
        `Cannot serve the UI on '${host}' without a token: a non-loopback host needs ` +
          `SLUICE_UI_TOKEN (at least ${MIN_TOKEN_LENGTH} characters), or bind to 127.0.0.1`,
        "token",
      );
    }
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
      throw new UiConfigError(
        `Cannot use the UI token as it must have at least ${MIN_TOKEN_LENGTH} characters: ` +
          `current length is ${token.length}; generate one with 'openssl rand -hex 24'`,
        "token",
      );
    }
    this.#token = token;
    // From the token, sessions outlive a restart and end when the token changes.
    this.#secret = token === undefined
      ? randomBytes(32)
      : createHash("sha256").update(`sluice-ui|${token}`).digest();
  }

  /** Whether `submitted` is the UI token (in constant time). */
  tokenMatches(submitted: string): boolean {
    return this.#token !== undefined && sameText(submitted, this.#token);
  }

  /** A new session cookie value: when it was issued, signed. */
  newSession(): string {
    const issued = String(this.clock.now().getTime());
    return `${issued}.${this.#sign(`session|${issued}`)}`;
  }

  /** Whether a session cookie is ours and not yet expired. */
  sessionValid(value: string | undefined): boolean {
    if (!value) return false;
    const [issued, signature] = value.split(".");
    if (!issued || !signature || !/^\d+$/.test(issued)) return false;
    if (!sameText(signature, this.#sign(`session|${issued}`))) return false;
    const age = this.clock.now().getTime() - Number(issued);
    return age >= 0 && age < SESSION_MS;
  }

  /** A fresh CSRF nonce for the cookie. */
  newCsrfNonce(): string {
    return randomBytes(18).toString("base64url");
  }

  /** The token a page puts in its forms for the nonce in the browser's cookie. */
  csrfToken(nonce: string): string {
    return this.#sign(`csrf|${nonce}`);
  }

  /** Whether `submitted` is the token for the cookie's nonce. */
  csrfValid(nonce: string | undefined, submitted: string | undefined): boolean {
    if (!nonce || !submitted) return false;
    return sameText(submitted, this.csrfToken(nonce));
  }

  #sign(text: string): string {
    return createHmac("sha256", this.#secret).update(text).digest("base64url");
  }
}

/** Equal texts, compared in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
