// The UI's errors, split by who must act: the operator starting it (UiConfigError) or the person
// making a request (the rest, each with its HTTP status). One handler maps them to responses.

/** A UI that must not start, e.g. a non-loopback host without a token. */
export class UiConfigError extends Error {
  override readonly name = "UiConfigError";
  constructor(message: string, readonly field: string) {
    super(message);
  }
}

/** A request the UI refuses; `status` is its HTTP status. */
export class UiHttpError extends Error {
  override readonly name: string = "UiHttpError";
  constructor(readonly status: 400 | 403 | 404, message: string) {
    super(message);
  }
}

/** A request the person can fix (a bad selection, an unknown partition range): 400. */
export class UiRequestError extends UiHttpError {
  override readonly name = "UiRequestError";
  constructor(message: string) {
    super(400, message);
  }
}

/** A request without the right to do it (no session, no CSRF token, wrong host): 403. */
export class UiForbiddenError extends UiHttpError {
  override readonly name = "UiForbiddenError";
  constructor(message: string) {
    super(403, message);
  }
}

/** An asset, partition or run that does not exist: 404. */
export class UiNotFoundError extends UiHttpError {
  override readonly name = "UiNotFoundError";
  constructor(message: string) {
    super(404, message);
  }
}
