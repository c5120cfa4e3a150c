// The one error the model code raises on purpose: the caller passed data, parameters or a model
// that cannot work; the message names the field, shows the bad value and says what to do.

/** Bad training data, parameters or model given to a models/ function. */
export class ModelInputError extends Error {
  override name = "ModelInputError";
}
