// Where `sluice serve` gets its model, opened from the configuration: the champion of
// models.fraud_detector from Postgres (the store held open, LISTEN on the alias channel and a
// poll) or from the embedded store (opened for each read, taking turns with the other processes),
// its files from the lake; or, with --model, a TreeModel file for development and the bench.
import type { Config } from "../resources/config.ts";
import { openLake } from "../resources/lake/open_lake.ts";
import { EmbeddedStoreTurns } from "../resources/postgres/embedded_store_turns.ts";
import { listenForNotifications } from "../resources/postgres/notification_listener.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { CHAMPION, FRAUD_DETECTOR_KEY } from "../models/model_versions.ts";
import { ALIAS_CHANNEL, type AliasTarget } from "../runtime/store/alias_store.ts";
import type { MetadataStore } from "../runtime/store/metadata_store.ts";
import { ChangeSignal } from "../web/serve/change_signal.ts";
import { type ChampionFeed, ChampionModelSource } from "../web/serve/champion_model_source.ts";
import { FileModelSource } from "../web/serve/file_model_source.ts";
import type { ModelSource } from "../web/serve/model_source.ts";

export interface ServeModelSource {
  readonly source: ModelSource;
  /** Where the model comes from, for the start-up line. */
  readonly description: string;
  /** The champion source, when serving the champion: its last target names the day. */
  readonly champion?: ChampionModelSource;
  close(): Promise<void>;
}

/** Opens the source `sluice serve` reads: the model file when given, else the champion. */
export async function openServeModelSource(
  config: Config,
  modelFile?: string,
): Promise<ServeModelSource> {
  if (modelFile !== undefined) {
    return {
      source: new FileModelSource(modelFile, { pollMs: config.serve.pollMs }),
      description: `model file ${modelFile}`,
      close: () => Promise.resolve(),
    };
  }
  return config.databaseUrl === undefined
    ? await embeddedChampion(config)
    : await postgresChampion(config, config.databaseUrl);
}

const readChampion = (store: MetadataStore) => store.aliases.current(FRAUD_DETECTOR_KEY, CHAMPION);

/**
 * On Postgres the store stays open; a move is heard through LISTEN at once, and a poll reads
 * the alias every SLUICE_SERVE_POLL_MS in case a notification was lost (a dropped connection,
 * a pooler that does not pass LISTEN through).
 */
async function postgresChampion(config: Config, databaseUrl: string): Promise<ServeModelSource> {
  const store = await openMetadataStore({ databaseUrl });
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const lake = await openLake(config);
    const changes = new ChangeSignal();
    const listener = await listenForNotifications(databaseUrl, ALIAS_CHANNEL, {
      onNotify: (payload) => {
        if (movesChampion(payload)) changes.fire();
      },
      onListen: (reconnected) => {
        if (reconnected) changes.fire();
      },
    });
    closers.push(() => listener.close());
    const poll = await championPoll(() => readChampion(store), config.serve.pollMs, changes);
    closers.push(() => Promise.resolve(poll.stop()));
    const feed: ChampionFeed = {
      current: () => readChampion(store),
      watch: (onChange) => changes.watch(onChange),
    };
    const champion = new ChampionModelSource(feed, lake);
    return {
      source: champion,
      champion,
      description: `the champion of ${FRAUD_DETECTOR_KEY} (Postgres, LISTEN ${ALIAS_CHANNEL})`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * On the embedded store serve holds PGlite only while it reads the champion, so materialize,
 * `models promote` and `models rollback` can open it in between; the end of their turn (the
 * store's lock released) is when serve reads again.
 */
async function embeddedChampion(config: Config): Promise<ServeModelSource> {
  const turns = new EmbeddedStoreTurns({ dataDir: `${config.home}/pg` });
  const lake = await openLake(config);
  const feed: ChampionFeed = {
    current: () => turns.read(readChampion),
    watch: (onChange) => turns.watchOtherTurns(onChange),
  };
  const champion = new ChampionModelSource(feed, lake);
  return {
    source: champion,
    champion,
    description: `the champion of ${FRAUD_DETECTOR_KEY} (embedded store ${turns.dataDir}, ` +
      "read after each other process's turn)",
    close: () => Promise.resolve(),
  };
}

/** A NOTIFY payload of ALIAS_CHANNEL names the asset and alias; one it cannot read counts. */
function movesChampion(payload: string): boolean {
  try {
    const move = JSON.parse(payload);
    return move?.asset === FRAUD_DETECTOR_KEY && move?.alias === CHAMPION;
  } catch {
    return true;
  }
}

/**
 * Reads the champion every `everyMs` and fires `changes` when it points elsewhere than at the
 * previous read. The first read happens before this returns, so a move after it is never missed.
 */
async function championPoll(
  read: () => Promise<AliasTarget | undefined>,
  everyMs: number,
  changes: ChangeSignal,
): Promise<{ stop(): void }> {
  const stamp = (target: AliasTarget | undefined) =>
    target === undefined ? "" : `${target.materializationId}@${target.movedAt.getTime()}`;
  let seen = stamp(await read());
  let reading = false;
  const timer = setInterval(async () => {
    if (reading) return;
    reading = true;
    try {
      const now = stamp(await read());
      if (now !== seen) changes.fire();
      seen = now;
    } catch {
      // A failed read (the server restarting) is tried again at the next tick.
    } finally {
      reading = false;
    }
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
