// The configured lake: the local filesystem by default, S3 when SLUICE_LAKE is s3://. An S3 lake
// is checked at start-up, so wrong credentials or a missing bucket stop the program with one line.
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import type { ListableLake } from "../../runtime/definitions/lake.ts";
import type { Config } from "../config.ts";
import { explainS3Error, openS3Client } from "../s3/s3_client.ts";
import { FsLake } from "./fs_lake.ts";
import { S3Lake } from "./s3_lake.ts";

export async function openLake(config: Config): Promise<ListableLake> {
  const s3 = config.s3Lake;
  if (s3 === undefined) return new FsLake({ root: config.lakeRoot });
  const client = openS3Client(s3);
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
  } catch (error) {
    client.destroy();
    throw explainS3Error(error, `the lake s3://${s3.bucket}`);
  }
  return new S3Lake({ client, bucket: s3.bucket, prefix: s3.prefix, cacheRoot: config.lakeRoot });
}
