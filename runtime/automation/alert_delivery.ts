// Delivers the alerts sensors recorded (the outbox in the store) to every sink: the log always,
// a Kafka topic and a webhook when configured. An alert is claimed by one daemon at a time and
// retried until every sink took it; sinks get its key, so a retry after a crash mid-delivery
// can be recognised as the same alert.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { MetadataStore, PendingAlert } from "../store/metadata_store.ts";

export interface AlertSink {
  readonly name: string;
  deliver(alert: PendingAlert): Promise<void>;
}

/** The log sink: every alert is an error line with its payload. */
export function logAlertSink(log: Logger): AlertSink {
  return {
    name: "log",
    deliver(alert) {
      log.error(`alert: ${alert.message}`, { alert: alert.key, ...alert.payload });
      return Promise.resolve();
    },
  };
}

export interface DeliveryReport {
  readonly delivered: number;
  readonly failed: number;
}

/** Claims pending alerts and hands each to every sink; a failing sink leaves it for a retry. */
export async function deliverAlerts(
  store: MetadataStore,
  sinks: readonly AlertSink[],
  log: Logger,
  options: { readonly limit?: number; readonly claimMs?: number } = {},
): Promise<DeliveryReport> {
  const alerts = await store.automation.claimAlerts(options.limit ?? 50, options.claimMs ?? 60_000);
  let delivered = 0;
  let failed = 0;
  for (const alert of alerts) {
    const errors: string[] = [];
    for (const sink of sinks) {
      try {
        await sink.deliver(alert);
      } catch (error) {
        errors.push(`${sink.name}: ${errorMessage(error)}`);
      }
    }
    const error = errors.length === 0 ? undefined : errors.join("; ");
    if (error !== undefined) {
      failed++;
      log.warn(`alert ${alert.key} not delivered (attempt ${alert.attempts}): ${error}`);
    } else {
      delivered++;
    }
    await store.automation.settleAlert(alert.key, error);
  }
  return { delivered, failed };
}
