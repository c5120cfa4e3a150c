// The S3 connection: one configured @aws-sdk/client-s3 client (SigV4, path-style for MinIO) and
// the failures a user can act on, turned into one clear line instead of an SDK stack trace.
import {
  CreateBucketCommand,
  HeadBucketCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { SluiceError } from "../../runtime/errors.ts";

export interface S3Settings {
  /** e.g. http://127.0.0.1:9000 for MinIO; undefined for AWS itself. */
  readonly endpoint?: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export function openS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    // MinIO and most self-hosted servers serve buckets as paths, not subdomains.
    forcePathStyle: settings.endpoint !== undefined,
    credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey },
    maxAttempts: 3,
  });
}

/** Creates `bucket` unless it exists. */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (!isNotFound(error)) throw explainS3Error(error, `s3://${bucket}`);
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw explainS3Error(error, `s3://${bucket}`);
  }
}

export function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.$metadata?.httpStatusCode === 404 || error.name === "NotFound" ||
    error.name === "NoSuchKey" || error.name === "NoSuchBucket";
}

/** A one-line error for what the user can fix: credentials, endpoint, bucket. */
export function explainS3Error(error: unknown, what: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const name = (error as { name?: string }).name ?? "";
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  if (
    ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden"].includes(name) ||
    status === 403
  ) {
    return new SluiceError(
      `S3 refused ${what} (${name || status}): check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY`,
    );
  }
  if (name === "NoSuchBucket") {
    return new SluiceError(`S3 bucket of ${what} does not exist: create it or fix SLUICE_LAKE`);
  }
  const code = (error as { code?: string }).code ?? "";
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ConnectionRefused/i.test(`${code} ${error}`)) {
    return new SluiceError(
      `S3 endpoint unreachable for ${what} (${code || String(error)}): check S3_ENDPOINT`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SluiceError(`S3 request for ${what} failed: ${name ? `${name}: ` : ""}${message}`);
}
