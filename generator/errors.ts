// Errors the generator raises on purpose, each saying what to do about it.
import { RequestError, SluiceError } from "../runtime/errors.ts";

/** A command-line flag is missing, malformed or conflicts with another; exits with status 2. */
export class FlagError extends RequestError {
  override name = "FlagError";
}

/** The landing zone cannot be appended to safely (a file already exists, a manifest is unreadable). */
export class LandingError extends SluiceError {
  override name = "LandingError";
}
