// Postgres LISTEN on one channel, on a connection of its own, for a process that must react at
// once to another's change (serve and the champion alias). The driver reconnects by itself;
// each (re)subscription is reported, since notifications sent while it was down are lost.
import postgres from "postgres";
import { ConfigError } from "../../runtime/errors.ts";
import { describeUrl, reason } from "./postgres_client.ts";

export interface NotificationHandlers {
  /** A NOTIFY on the channel, with its payload ("" when none was given). */
  onNotify(payload: string): void;
  /**
   * The listener is (again) subscribed; `reconnected` is true after a lost connection, when
   * notifications may have been missed and the caller should look for itself.
   */
  onListen?(reconnected: boolean): void;
}

export interface NotificationListener {
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}

export interface NotificationListenerOptions {
  /** Named in error messages, so people know which setting to fix. */
  readonly variable?: string;
  readonly connectTimeoutSeconds?: number;
}

/** Subscribes to `channel`; a server that cannot be reached is a ConfigError naming `variable`. */
export async function listenForNotifications(
  url: string,
  channel: string,
  handlers: NotificationHandlers,
  options: NotificationListenerOptions = {},
): Promise<NotificationListener> {
  const variable = options.variable ?? "DATABASE_URL";
  const sql = postgres(url, {
    max: 1,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    onnotice: () => {},
  });
  let subscriptions = 0;
  try {
    const subscription = await sql.listen(
      channel,
      (payload) => handlers.onNotify(payload),
      () => handlers.onListen?.(subscriptions++ > 0),
    );
    return {
      async close() {
        await subscription.unlisten().catch(() => {});
        await sql.end({ timeout: 5 });
      },
    };
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new ConfigError(
      `Cannot listen for ${channel} on Postgres at ${describeUrl(url, variable)}: ${
        reason(error)
      }; start the server or fix ${variable}`,
      variable,
    );
  }
}
