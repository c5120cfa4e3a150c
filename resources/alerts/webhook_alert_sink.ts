// Alerts to a webhook (SLUICE_ALERT_WEBHOOK_URL): a JSON POST per alert with an Idempotency-Key
// header (the alert's key), so a receiver can drop a redelivery; anything but 2xx is retried.
import type { AlertSink } from "../../runtime/automation/alert_delivery.ts";

export function webhookAlertSink(url: string, timeoutMs = 10_000): AlertSink {
  const where = new URL(url).host;
  return {
    name: "webhook",
    async deliver(alert) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": alert.key },
        body: JSON.stringify({
          key: alert.key,
          sensor: alert.sensor,
          text: alert.message,
          created_at: alert.createdAt.toISOString(),
          payload: alert.payload,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) {
        throw new Error(`webhook at ${where} answered ${response.status} ${response.statusText}`);
      }
    },
  };
}
