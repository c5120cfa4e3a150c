// The lake on a local filesystem (the embedded default): one fresh directory per materialization,
// made durable with fsync and identified by a streamed SHA-256 digest of its files.
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AssetKey, assetKey } from "../../runtime/definitions/asset_key.ts";
import { RequestError, RuntimeInvariantError } from "../../runtime/errors.ts";
import type {
  LakeLocation,
  ListableLake,
  LocationInfo,
  SealedLocation,
} from "../../runtime/definitions/lake.ts";
import { type PartitionKey, UNPARTITIONED } from "../../runtime/partitions/partition_key.ts";
import type { PartitionRef } from "../../runtime/definitions/partition_ref.ts";
import { dataVersion, hashParts } from "../../runtime/definitions/version.ts";
import { listFiles, statOrNull, syncAndDigest } from "./lake_files.ts";

/** How many partitions prepare() claims in its first round of fsyncs; each round doubles it. */
const PREPARE_FIRST_BATCH = 4;
/** The most partitions one round of prepare()'s fsyncs claims. */
const PREPARE_MAX_BATCH = 64;
/** How many partitions prepare() creates the directories of at once. */
const PREPARE_PARALLEL = 16;

/** Where the embedded lake lives, relative to the working directory. */
export const DEFAULT_LAKE_ROOT = ".sluice/lake";

/** The directory name of the single partition of an unpartitioned asset. */
export const UNPARTITIONED_DIR = "_unpartitioned";

/**
 * Marks a directory as a partition directory, whose subdirectories are materialization locations.
 * Without it `bronze/orders/<id>` (asset `bronze`, partition `orders`) and
 * `bronze/orders/_unpartitioned` (asset `bronze.orders`) could not be told apart, so listing and
 * removal would guess. It sits beside the locations, never inside one, so locations stay empty
 * for writers and their digest covers only what the asset wrote.
 */
export const PARTITION_MARKER = ".sluice-partition";

export interface FsLakeOptions {
  /** The lake directory; relative paths resolve against the working directory. */
  readonly root?: string;
}

/** A `Lake` whose locations are `<root>/<key as path>/<partition>/<materializationId>/`. */
export class FsLake implements ListableLake {
  /** The absolute lake directory. */
  readonly root: string;
  /**
   * Partition directories this object claimed durably (marker and ancestors fsync'd), so the
   * next allocate() in them skips the checks and the syncs. Nothing removes a partition
   * directory (remove() takes locations only); if one goes anyway, allocate() claims it again.
   */
  readonly #claimed = new Set<string>();
  /** Claims a prepare() has under way, by partition directory: allocate() waits for its own. */
  readonly #claiming = new Map<string, Promise<void>>();

  constructor(options: FsLakeOptions = {}) {
    this.root = resolve(options.root ?? DEFAULT_LAKE_ROOT);
  }

  async allocate(
    key: AssetKey,
    partition: PartitionKey,
    materializationId: string,
  ): Promise<LakeLocation> {
    const keyDir = join(this.root, ...assetKey(key).split("."));
    const partitionDir = join(keyDir, partitionDirName(key, partition));
    const dir = join(partitionDir, pathSegment("materialization id", materializationId, key));
    if (!this.#claimed.has(partitionDir)) await this.#claiming.get(partitionDir);
    if (!this.#claimed.has(partitionDir)) await this.#claimPartitionDir(key, keyDir, partitionDir);
    try {
      // Synchronous: creating one directory is quicker than a trip to the thread pool.
      Deno.mkdirSync(dir);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && this.#claimed.delete(partitionDir)) {
        return this.allocate(key, partition, materializationId);
      }
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new RuntimeInvariantError(
          `Cannot allocate lake location '${dir}' for asset '${key}': it already exists; ` +
            `use a new materialization id for every attempt`,
          key,
        );
      }
      throw error;
    }
    return { uri: pathToFileURL(dir).href, dir };
  }

  /**
   * Claims the directories of many partitions with a few rounds of fsyncs, so a run that makes
   * them anew pays for a few instead of one per partition. The partitions are claimed in the
   * order given, in rounds that grow (4, 8, ... 64 partitions): the caller may start
   * allocating at once, and an allocate() in a partition still being claimed waits for that
   * round only, while the later rounds go on beside the steps. A partition it cannot claim is
   * left to allocate(), which says why.
   */
  async prepare(partitions: readonly PartitionRef[]): Promise<void> {
    const rounds: { dirs: [AssetKey, string, string][]; done: () => void }[] = [];
    let size = PREPARE_FIRST_BATCH;
    let round: [AssetKey, string, string][] = [];
    const seen = new Set<string>();
    for (const { assetKey: key, partition } of partitions) {
      let keyDir: string, partitionDir: string;
      try {
        keyDir = join(this.root, ...assetKey(key).split("."));
        partitionDir = join(keyDir, partitionDirName(key, partition));
      } catch {
        continue; // allocate() meets the same problem and reports it for its step.
      }
      if (this.#claimed.has(partitionDir) || this.#claiming.has(partitionDir)) continue;
      if (seen.has(partitionDir)) continue;
      seen.add(partitionDir);
      round.push([key, keyDir, partitionDir]);
      if (round.length === size) {
        rounds.push(this.#registerRound(round));
        round = [];
        size = Math.min(size * 2, PREPARE_MAX_BATCH);
      }
    }
    if (round.length > 0) rounds.push(this.#registerRound(round));
    for (const { dirs, done } of rounds) {
      try {
        await this.#claimRound(dirs);
      } finally {
        for (const [, , partitionDir] of dirs) this.#claiming.delete(partitionDir);
        done();
      }
    }
  }

  /** Registers a round of claims, so allocate() in one of its partitions waits for it. */
  #registerRound(dirs: [AssetKey, string, string][]) {
    const { promise, resolve } = Promise.withResolvers<void>();
    for (const [, , partitionDir] of dirs) this.#claiming.set(partitionDir, promise);
    return { dirs, done: resolve };
  }

  /** Creates the partition directories and markers of one round, then fsyncs them together. */
  async #claimRound(dirs: readonly [AssetKey, string, string][]): Promise<void> {
    const durable = new Set<string>();
    const marked: string[] = [];
    const mark = async ([key, keyDir, partitionDir]: [AssetKey, string, string]) => {
      try {
        const marker = await this.#markPartitionDir(key, keyDir, partitionDir);
        for (const path of this.#claimSyncs(partitionDir, marker)) durable.add(path);
        marked.push(partitionDir);
      } catch {
        // allocate() meets the same problem and reports it for its step.
      }
    };
    // A few partitions at a time: each is a handful of file system calls, which overlap.
    for (let i = 0; i < dirs.length; i += PREPARE_PARALLEL) {
      await Promise.all(dirs.slice(i, i + PREPARE_PARALLEL).map(mark));
    }
    await Promise.all([...durable].map(syncPath));
    for (const partitionDir of marked) this.#claimed.add(partitionDir);
  }

  async seal(location: LakeLocation): Promise<SealedLocation> {
    const dir = this.#locationDir(location.uri, "seal");
    if (statSyncOrNull(dir) === null) {
      throw new RuntimeInvariantError(
        `Cannot seal lake location '${dir}' (${this.#describe(dir)}): it does not exist; ` +
          `allocate a location before writing and sealing it`,
      );
    }
    const files = await listFiles(dir);
    if (files.length === 0) {
      throw new RuntimeInvariantError(
        `Cannot seal lake location '${dir}' (${this.#describe(dir)}): it holds no files; ` +
          `the materialization must write its output into the location before sealing it`,
      );
    }
    // Every fsync at once: nothing points at the location until all of them are done, so their
    // order does not matter, and the file system commits concurrent ones together (one journal
    // commit instead of one per file and directory, which was most of a small step's time).
    // The directories to sync are those whose entries the materialization added: the ones
    // holding the files (the digest covers files only), the location itself, and the partition
    // directory holding the location. The directories above that one gained no entry since
    // the partition directory was claimed, which synced them (#claimPartitionDir, prepare()).
    const [digests] = await Promise.all([
      Promise.all(files.map((file) => syncAndDigest(join(dir, file)))),
      Promise.all(subdirsOf(files).map((subdir) => syncPath(join(dir, subdir)))),
      syncPath(dir),
      syncPath(dirname(dir)),
    ]);
    const parts: string[] = ["sluice-lake-location-v1"];
    let bytes = 0;
    files.forEach((file, i) => {
      parts.push(file, digests[i].digest);
      bytes += digests[i].size;
    });
    return { dataVersion: dataVersion(hashParts(parts)), bytes, files: files.length };
  }

  // deno-lint-ignore require-await -- a stat is quicker without a trip to the thread pool
  async open(uri: string): Promise<LakeLocation> {
    const dir = this.#locationDir(uri, "open");
    const info = statSyncOrNull(dir);
    if (info === null || !info.isDirectory) {
      throw new RuntimeInvariantError(
        `Cannot open lake location '${uri}': no such directory; ` +
          `it was removed or never sealed, so re-materialize ${this.#describe(dir)}`,
      );
    }
    return { uri: pathToFileURL(dir).href, dir };
  }

  /** Deletes a location and everything in it. Removing a location that is already gone is a no-op. */
  async remove(uri: string): Promise<void> {
    const dir = this.#locationDir(uri, "remove");
    const info = await statOrNull(dir);
    if (info === null) return;
    if (!info.isDirectory) {
      throw new RuntimeInvariantError(
        `Cannot remove lake location '${uri}': it is not a directory; delete it by hand if it is junk`,
      );
    }
    // Only a child of a partition directory is a location: never wipe a whole partition or asset.
    if (await statOrNull(join(dirname(dir), PARTITION_MARKER)) === null) {
      throw new RuntimeInvariantError(
        `Refusing to remove '${uri}': it is not a materialization location (its parent has no ` +
          `'${PARTITION_MARKER}' marker); pass the URI of one location`,
      );
    }
    // The real path guards against a symlink inside the lake pointing at data outside it.
    const real = await Deno.realPath(dir);
    if (!isInside(await Deno.realPath(this.root), real)) {
      throw new RuntimeInvariantError(
        `Refusing to remove '${uri}': it resolves to '${real}', outside the lake root '${this.root}'`,
      );
    }
    await Deno.remove(dir, { recursive: true });
  }

  /** Every materialization location in the lake, sealed or not, in no set order. */
  async *listLocations(): AsyncIterable<LocationInfo> {
    if (await statOrNull(this.root) === null) return;
    const pending = [this.root];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      const isPartitionDir = await statOrNull(join(dir, PARTITION_MARKER)) !== null;
      for (const name of await childDirs(dir)) {
        const child = join(dir, name);
        if (isPartitionDir) {
          const info = await Deno.stat(child);
          yield { uri: pathToFileURL(child).href, modifiedAt: info.mtime ?? new Date(0) };
        } else pending.push(child);
      }
    }
  }

  /** Creates the partition directory and its marker, durably, refusing a path another owns. */
  async #claimPartitionDir(key: AssetKey, keyDir: string, partitionDir: string): Promise<void> {
    const marker = await this.#markPartitionDir(key, keyDir, partitionDir);
    // The marker must survive a crash, or this partition's locations would become unlisted;
    // with it, the directories above the location, which seal() does not sync.
    await Promise.all(this.#claimSyncs(partitionDir, marker).map(syncPath));
    this.#claimed.add(partitionDir);
  }

  /**
   * What a claim fsyncs: a new marker and every directory above it. A marker that was there
   * already may come from a claim cut short between its write and its syncs, so the partition
   * directory and those above it are synced again, once per lake object.
   */
  #claimSyncs(partitionDir: string, marker: string | undefined): string[] {
    return this.#withAncestors(marker ?? partitionDir);
  }

  /**
   * Creates the partition directory and its marker, refusing a path another asset owns; the
   * marker's path when it wrote one (not yet fsync'd), undefined when it was there.
   */
  async #markPartitionDir(
    key: AssetKey,
    keyDir: string,
    partitionDir: string,
  ): Promise<string | undefined> {
    // Metadata calls on hot directories are synchronous: a trip to the thread pool cost more
    // than the call itself, and a step made several.
    for (let dir = keyDir; isInside(this.root, dir); dir = dirname(dir)) {
      if (statSyncOrNull(join(dir, PARTITION_MARKER)) !== null) {
        throw new RuntimeInvariantError(
          `Cannot allocate a lake location for asset '${key}': its directory '${keyDir}' lies ` +
            `inside the partition directory '${dir}' of another asset; rename one of the two assets`,
          key,
        );
      }
    }
    const marker = join(partitionDir, PARTITION_MARKER);
    if (statSyncOrNull(marker) !== null) return undefined;
    // An empty unmarked directory is our own claim cut short by a crash, not another asset's.
    if (statSyncOrNull(partitionDir) !== null && !await isEmptyDir(partitionDir)) {
      throw new RuntimeInvariantError(
        `Cannot allocate a lake location for asset '${key}': '${partitionDir}' already holds ` +
          `the directories of another asset; rename one of the two assets`,
        key,
      );
    }
    await Deno.mkdir(partitionDir, { recursive: true });
    await Deno.writeFile(marker, new Uint8Array());
    return marker;
  }

  /** The local directory of a `file://` URI under the root, or a clear error for anything else. */
  #locationDir(uri: string, action: string): string {
    let dir: string;
    try {
      dir = fileURLToPath(uri);
    } catch {
      throw new RequestError(
        `Cannot ${action} lake location '${uri}': expected a file:// URI from this lake`,
      );
    }
    const inside = relative(this.root, dir);
    if (!isInside(this.root, dir) || inside.split(sep).length < 3) {
      throw new RuntimeInvariantError(
        `Refusing to ${action} '${uri}': it is not a materialization location under the lake ` +
          `root '${this.root}'`,
      );
    }
    return dir;
  }

  /** `path` and every directory from its parent up to the root. */
  #withAncestors(path: string): string[] {
    const paths = [path, this.root];
    for (let dir = dirname(path); isInside(this.root, dir); dir = dirname(dir)) paths.push(dir);
    return paths;
  }

  /** "asset 'a.b' partition 'p'" for a location directory, for error messages. */
  #describe(dir: string): string {
    const segments = relative(this.root, dir).split(sep);
    const partition = segments.at(-2);
    const key = segments.slice(0, -2).join(".");
    return partition === UNPARTITIONED_DIR
      ? `asset '${key}'`
      : `asset '${key}' partition '${partition}'`;
  }
}

function partitionDirName(key: AssetKey, partition: PartitionKey): string {
  return partition === UNPARTITIONED ? UNPARTITIONED_DIR : pathSegment("partition", partition, key);
}

/** A caller's value used as one directory name: no separators, no traversal, nothing hidden. */
export function pathSegment(what: string, value: string, key: AssetKey): string {
  if (value === "" || value.startsWith(".") || /[/\\\0]/.test(value)) {
    throw new RequestError(
      `Cannot use ${what} '${value}' of asset '${key}' as a lake path segment: expected a ` +
        `non-empty name without '/', '\\' or a leading '.'`,
    );
  }
  return value;
}

/** True when `path` is strictly below `root` (both absolute). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Names of the directories directly inside `dir`. */
async function childDirs(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) names.push(entry.name);
  }
  return names;
}

async function syncPath(path: string): Promise<void> {
  // Opening is quick and synchronous; only the fsync waits for the disk.
  const handle = Deno.openSync(path, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

function statSyncOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Every directory holding one of `files` (relative paths), deepest first. */
function subdirsOf(files: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    for (let dir = dirname(file); dir !== "."; dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort((a, b) => b.length - a.length);
}

async function isEmptyDir(path: string): Promise<boolean> {
  for await (const _ of Deno.readDir(path)) return false;
  return true;
}
