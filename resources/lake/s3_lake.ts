// The lake on S3 (or MinIO): a materialization is staged in a local directory, uploaded when
// sealed (multipart for large files), and read back through a local cache for DuckDB. As on the
// filesystem, a location becomes current only when the metadata commit points at it.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { join } from "node:path";
import { type AssetKey, assetKey } from "../../runtime/definitions/asset_key.ts";
import { RequestError, RuntimeInvariantError } from "../../runtime/errors.ts";
import type {
  LakeLocation,
  ListableLake,
  LocationInfo,
  SealedLocation,
} from "../../runtime/definitions/lake.ts";
import { type PartitionKey, UNPARTITIONED } from "../../runtime/partitions/partition_key.ts";
import { dataVersion, hashParts } from "../../runtime/definitions/version.ts";
import { explainS3Error } from "../s3/s3_client.ts";
import { pathSegment, UNPARTITIONED_DIR } from "./fs_lake.ts";
import { listFiles, statOrNull, syncAndDigest } from "./lake_files.ts";

/** Files above this size go up in parts of this size, several at once. */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_PARALLELISM = 4;
/** Written into a cached location once all its files are down, so a torn download is redone. */
const CACHE_COMPLETE = ".sluice-cached";
/**
 * An empty object each location gets when allocated: locations are listed by it (vacuum finds
 * unsealed leftovers too), and it is never part of the location's files.
 */
const LOCATION_MARKER = ".sluice-location";

export interface S3LakeOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix without surrounding slashes; "" for the bucket's root. */
  readonly prefix: string;
  /** Local directory for staged writes and the read cache. */
  readonly cacheRoot: string;
}

/** A `Lake` whose locations are `s3://<bucket>/<prefix>/<key as path>/<partition>/<id>/`. */
export class S3Lake implements ListableLake {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #cacheRoot: string;

  constructor(options: S3LakeOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix.replace(/^\/+|\/+$/g, "");
    this.#cacheRoot = options.cacheRoot;
  }

  /** The lake's root URI, e.g. `s3://bucket/prefix`. */
  get root(): string {
    return `s3://${this.#bucket}${this.#prefix ? `/${this.#prefix}` : ""}`;
  }

  async allocate(
    key: AssetKey,
    partition: PartitionKey,
    materializationId: string,
  ): Promise<LakeLocation> {
    const path = [
      ...assetKey(key).split("."),
      partition === UNPARTITIONED ? UNPARTITIONED_DIR : pathSegment("partition", partition, key),
      pathSegment("materialization id", materializationId, key),
    ].join("/");
    const uri = `${this.root}/${path}/`;
    if ((await this.#listKeys(this.#keyOf(uri))).length > 0) {
      throw new RuntimeInvariantError(
        `Cannot allocate lake location '${uri}' for asset '${key}': it already exists; ` +
          `use a new materialization id for every attempt`,
        key,
      );
    }
    await this.#attempt(uri, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: `${this.#keyOf(uri)}${LOCATION_MARKER}`,
          Body: "",
        }),
      ));
    const dir = this.#cacheDir(uri);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    return { uri, dir };
  }

  async seal(location: LakeLocation): Promise<SealedLocation> {
    const base = this.#keyOf(location.uri);
    if (await statOrNull(location.dir) === null) {
      throw new RuntimeInvariantError(
        `Cannot seal lake location '${location.uri}': its staging directory ${location.dir} is ` +
          `gone; allocate a location before writing and sealing it`,
      );
    }
    const files = (await listFiles(location.dir)).filter((f) => f !== CACHE_COMPLETE);
    if (files.length === 0) {
      throw new RuntimeInvariantError(
        `Cannot seal lake location '${location.uri}': it holds no files; the materialization ` +
          `must write its output into the location before sealing it`,
      );
    }
    const parts: string[] = ["sluice-lake-location-v1"];
    let bytes = 0;
    for (const file of files) {
      const path = join(location.dir, file);
      const { digest, size } = await syncAndDigest(path);
      parts.push(file, digest);
      bytes += size;
      await this.#upload(`${base}${file}`, path, size);
    }
    // The staged files are now the cached copy of the location.
    await Deno.writeTextFile(join(location.dir, CACHE_COMPLETE), "");
    return { dataVersion: dataVersion(hashParts(parts)), bytes, files: files.length };
  }

  async open(uri: string): Promise<LakeLocation> {
    const base = this.#keyOf(uri);
    const dir = this.#cacheDir(uri);
    if (await statOrNull(join(dir, CACHE_COMPLETE)) !== null) return { uri, dir };
    const keys = (await this.#listKeys(base)).filter((k) => !k.endsWith(`/${LOCATION_MARKER}`));
    if (keys.length === 0) {
      throw new RuntimeInvariantError(
        `Cannot open lake location '${uri}': no such objects; it was removed or never sealed, ` +
          `so re-materialize it`,
      );
    }
    // Downloaded beside the cache entry and renamed into place: readers never see half of it.
    const partial = `${dir}.partial-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(partial, { recursive: true });
    try {
      for (const key of keys) {
        const target = join(partial, key.slice(base.length));
        await Deno.mkdir(join(target, ".."), { recursive: true });
        await this.#download(key, target);
      }
      await Deno.writeTextFile(join(partial, CACHE_COMPLETE), "");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(partial, dir);
    } catch (error) {
      await Deno.remove(partial, { recursive: true }).catch(() => {});
      throw error;
    }
    return { uri, dir };
  }

  /** Deletes a location's objects and its cached copy; a location already gone is a no-op. */
  async remove(uri: string): Promise<void> {
    const keys = await this.#listKeys(this.#keyOf(uri));
    for (let at = 0; at < keys.length; at += 1000) {
      await this.#attempt(uri, () =>
        this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: keys.slice(at, at + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        ));
    }
    await Deno.remove(this.#cacheDir(uri), { recursive: true }).catch(() => {});
  }

  /** Every materialization location in the lake, sealed or not, in no set order. */
  async *listLocations(): AsyncIterable<LocationInfo> {
    const root = this.#prefix ? `${this.#prefix}/` : "";
    for (const object of await this.#listObjects(root)) {
      if (object.key.endsWith(`/${LOCATION_MARKER}`)) {
        yield {
          uri: `s3://${this.#bucket}/${object.key.slice(0, -LOCATION_MARKER.length)}`,
          modifiedAt: object.modifiedAt,
        };
      }
    }
  }

  /** The object key prefix of a location URI of this lake. */
  #keyOf(uri: string): string {
    if (!uri.startsWith(`${this.root}/`) || !uri.endsWith("/")) {
      throw new RequestError(
        `Cannot use lake location '${uri}': expected an s3:// URI under ${this.root}/, ending in /`,
      );
    }
    return uri.slice(`s3://${this.#bucket}/`.length);
  }

  #cacheDir(uri: string): string {
    return join(this.#cacheRoot, this.#keyOf(uri).replace(/\/$/, ""));
  }

  async #listKeys(prefix: string): Promise<string[]> {
    return (await this.#listObjects(prefix)).map((o) => o.key);
  }

  async #listObjects(prefix: string): Promise<{ key: string; modifiedAt: Date }[]> {
    const keys: { key: string; modifiedAt: Date }[] = [];
    let token: string | undefined;
    do {
      const page = await this.#attempt(`s3://${this.#bucket}/${prefix}`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        ));
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          keys.push({ key: object.Key, modifiedAt: object.LastModified ?? new Date(0) });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async #upload(key: string, path: string, size: number): Promise<void> {
    const file = await Deno.open(path, { read: true });
    try {
      const upload = new Upload({
        client: this.#client,
        params: { Bucket: this.#bucket, Key: key, Body: file.readable, ContentLength: size },
        partSize: MULTIPART_PART_BYTES,
        queueSize: UPLOAD_PARALLELISM,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error) {
      throw explainS3Error(error, `s3://${this.#bucket}/${key}`);
    } finally {
      try {
        file.close();
      } catch {
        // The readable stream closed it.
      }
    }
  }

  async #download(key: string, target: string): Promise<void> {
    const object = await this.#attempt(
      `s3://${this.#bucket}/${key}`,
      () => this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
    const body = object.Body?.transformToWebStream();
    if (!body) {
      throw new RuntimeInvariantError(`S3 returned no body for s3://${this.#bucket}/${key}`);
    }
    const file = await Deno.open(target, { write: true, create: true, truncate: true });
    await body.pipeTo(file.writable);
  }

  /** Runs one request; failures become one line naming `what`. */
  async #attempt<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw explainS3Error(error, what);
    }
  }
}
