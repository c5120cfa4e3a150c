// The Kafka connection: one kafkajs client per process, its logs routed to Sluice's logger, and
// the failures a user can act on (unreachable broker) turned into one clear line.
import { Kafka, type LogEntry, logLevel as KafkaLogLevel } from "kafkajs";
import { SluiceError } from "../../runtime/errors.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { KafkaConfig } from "../config.ts";

export class KafkaUnavailableError extends SluiceError {
  override name = "KafkaUnavailableError";
}

let warningFilterInstalled = false;

/**
 * kafkajs 2.2.4 schedules a timer with a negative delay on every connection, which newer Node
 * runtimes report as a TimeoutNegativeWarning on stderr (tulios/kafkajs#1751, harmless: the timer
 * runs at once). Only that warning is dropped; every other still prints.
 */
function dropKafkaJsTimerWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "TimeoutNegativeWarning") return;
    console.error(`${warning.name}: ${warning.message}`);
  });
}

export function openKafka(config: KafkaConfig, log?: Logger): Kafka {
  dropKafkaJsTimerWarning();
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    // Retries ride out a broker restart; an absent broker still fails within seconds.
    retry: { initialRetryTime: 200, retries: 6, maxRetryTime: 5_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      if (entry.level <= KafkaLogLevel.ERROR) log.warn(`kafka: ${message}`, fields);
      else log.debug(`kafka: ${message}`, fields);
    },
  });
}

/** Kafka failed for longer than a sender or consumer was willing to ride out. */
export class KafkaOutageError extends SluiceError {
  override name = "KafkaOutageError";
  constructor(readonly outageMs: number, override readonly cause: unknown) {
    super(
      `Kafka failed for ${Math.round(outageMs / 1000)} s: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
  }
}

/**
 * Whether retrying cannot help: bad credentials, an unsupported broker, a request the broker
 * refuses by its nature (authorization, a record too large, an invalid topic). Anything else
 * (connections, timeouts, coordinators and leaders moving) may pass once the broker is back.
 */
export function isPermanentKafkaError(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (PERMANENT_NAMES.has(e.name)) return true;
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && PERMANENT_TYPES.test(type)) return true;
  }
  return false;
}

const PERMANENT_NAMES = new Set([
  "KafkaJSSASLAuthenticationError",
  "KafkaJSServerDoesNotSupportApiKey",
  "KafkaJSInvariantViolation",
  "KafkaJSUnsupportedMagicByteInMessageSet",
]);
const PERMANENT_TYPES =
  /AUTHORIZATION_FAILED|TOO_LARGE|INVALID_TOPIC_EXCEPTION|UNSUPPORTED_|INVALID_REQUIRED_ACKS/;

/** A one-line error for a broker that cannot be reached or refuses us. */
export function explainKafkaError(error: unknown, brokers: readonly string[]): SluiceError {
  if (error instanceof KafkaOutageError) {
    const cause = explainKafkaError(error.cause, brokers);
    if (cause instanceof KafkaUnavailableError) {
      return new KafkaUnavailableError(
        `Kafka broker unreachable at ${brokers.join(",")} for ${
          Math.round(error.outageMs / 1000)
        } s (${errorMessageOf(error.cause)}): check KAFKA_BROKERS and that the broker is running`,
      );
    }
    return new SluiceError(`${cause.message} (failing for ${Math.round(error.outageMs / 1000)} s)`);
  }
  if (error instanceof SluiceError) return error;
  const name = (error as { name?: string }).name ?? "";
  const message = error instanceof Error ? error.message : String(error);
  if (
    /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError/.test(name) ||
    /ECONNREFUSED|ENOTFOUND|Connection timeout|Closed connection/i.test(message)
  ) {
    return new KafkaUnavailableError(
      `Kafka broker unreachable at ${brokers.join(",")} (${message}): check KAFKA_BROKERS ` +
        "and that the broker is running",
    );
  }
  return new SluiceError(`Kafka request failed: ${name ? `${name}: ` : ""}${message}`);
}

function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
