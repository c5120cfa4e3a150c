// Typed errors for the runtime, split by who is at fault: a bad definition, a bad request
// (selection, partition, flag), or an invariant the runtime could not keep at run time.

/** Base class of every error Sluice raises on purpose. */
export class SluiceError extends Error {
  override name = "SluiceError";
}

/** An asset or graph definition is wrong; the message names the asset key and the fix. */
export class DefinitionError extends SluiceError {
  override name = "DefinitionError";
  constructor(message: string, readonly assetKey?: string) {
    super(message);
  }
}

/** A user request (selection, partition, CLI flag) cannot be satisfied. */
export class RequestError extends SluiceError {
  override name = "RequestError";
}

/** Configuration from the environment is invalid; the message names the variable. */
export class ConfigError extends SluiceError {
  override name = "ConfigError";
  constructor(message: string, readonly variable: string) {
    super(message);
  }
}

/** Something that should always hold did not: a store inconsistency or a lost lease. */
export class RuntimeInvariantError extends SluiceError {
  override name = "RuntimeInvariantError";
  constructor(message: string, readonly assetKey?: string) {
    super(message);
  }
}

/** A materialization exceeded its timeout. */
export class TimeoutError extends SluiceError {
  override name = "TimeoutError";
  constructor(readonly assetKey: string, readonly timeoutMs: number) {
    super(
      `Asset '${assetKey}' timed out after ${timeoutMs} ms: raise its 'timeoutMs' or make it faster`,
    );
  }
}

/** Renders any thrown value as one line, for run tables and the metadata store. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}

/**
 * A partition moved while a writer that must replace exactly what it read was working (a
 * concurrent append): nothing was committed, and running again reads the newer version.
 */
export class ConcurrentChangeError extends RuntimeInvariantError {
  override name = "ConcurrentChangeError";
}
