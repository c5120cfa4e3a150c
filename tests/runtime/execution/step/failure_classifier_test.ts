// The failure classifier over real error objects, produced by the real libraries where they can
// be: DuckDB, PGlite, a Postgres server through postgres.js, the AWS SDK against MinIO and a
// local server answering 5xx, kafkajs against the test broker and a closed port.
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { PGlite } from "@electric-sql/pglite";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { z } from "zod";
import { openDuckDb } from "../../../../resources/duckdb/duckdb.ts";
import {
  ConcurrentChangeError,
  DefinitionError,
  SqlError,
  TimeoutError,
} from "../../../../runtime/errors.ts";
import { CheckFailedError } from "../../../../runtime/execution/step/checks.ts";
import {
  classifyFailure,
  type FailureClass,
  retries,
} from "../../../../runtime/execution/step/failure_classifier.ts";
import { DEFAULT_RETRY } from "../../../../runtime/definitions/policies.ts";
import {
  createFreshDatabase,
  needsKafka,
  needsPostgres,
  needsS3,
  requireTestVariable,
  testS3Settings,
} from "../../../support/services.ts";

/** The rejection of `run`, which must reject. */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

function kindOf(error: unknown): FailureClass["kind"] {
  return classifyFailure(error).kind;
}

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("DuckDB's parse, binder, catalog and conversion errors are deterministic", async () => {
  const db = await openDuckDb({ threads: 1 });
  const instance = await DuckDBInstance.create(":memory:");
  const raw = await instance.connect();
  try {
    for (
      const [sql, reason] of [
        ["SELEC 1", "DuckDB parser error"],
        ["SELECT amout FROM (SELECT 1 AS amount)", "DuckDB binder error"],
        ["SELECT * FROM no_such_table", "DuckDB catalog error"],
        ["SELECT 'a'::INTEGER", "DuckDB conversion error"],
      ]
    ) {
      // Through the resource (JSON errors, wrapped in a DuckDbError) and from the bare API.
      const wrapped = await failureOf(() => db.all(sql));
      assert.deepEqual(classifyFailure(wrapped), { kind: "deterministic", reason }, sql);
      const bare = await failureOf(() => raw.run(sql));
      assert.deepEqual(classifyFailure(bare), { kind: "deterministic", reason }, sql);
    }
  } finally {
    db.close();
    raw.closeSync();
    instance.closeSync();
  }
});

Deno.test("DuckDB's write conflict and out-of-memory errors are transient", async () => {
  const instance = await DuckDBInstance.create(":memory:", { memory_limit: "4MB", threads: "1" });
  const a = await instance.connect();
  const b = await instance.connect();
  try {
    await a.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 0)");
    await a.run("BEGIN");
    await b.run("BEGIN");
    await a.run("UPDATE t SET v = 1 WHERE id = 1");
    const conflict = await failureOf(() => b.run("UPDATE t SET v = 2 WHERE id = 1"));
    assert.deepEqual(classifyFailure(conflict), {
      kind: "transient",
      reason: "DuckDB transactioncontext error",
    });
    await a.run("ROLLBACK");
    const memory = await failureOf(() =>
      a.run("SELECT list(range) FROM range(10000000) GROUP BY range % 1000000")
    );
    assert.deepEqual(classifyFailure(memory), {
      kind: "transient",
      reason: "DuckDB out of memory error",
    });
  } finally {
    a.closeSync();
    b.closeSync();
    instance.closeSync();
  }
});

Deno.test("PGlite's syntax and undefined-column errors are deterministic, a 40001 is transient", async () => {
  const pg = await PGlite.create();
  try {
    const syntax = await failureOf(() => pg.exec("selec 1"));
    assert.deepEqual(classifyFailure(syntax), {
      kind: "deterministic",
      reason: "SQLSTATE 42601 (syntax error or undefined object)",
    });
    const column = await failureOf(() => pg.query("select amout from (select 1 as amount) s"));
    assert.equal(kindOf(column), "deterministic");
    // PGlite runs one connection, so a serialization failure is raised as Postgres raises it.
    const serialization = await failureOf(() =>
      pg.exec("do $$ begin raise exception 'could not serialize' using errcode = '40001'; end $$")
    );
    assert.deepEqual(classifyFailure(serialization), {
      kind: "transient",
      reason: "SQLSTATE 40001 (serialization failure)",
    });
  } finally {
    await pg.close();
  }
});

Deno.test({
  name:
    "Postgres: a syntax error is deterministic; timeouts, serialization, deadlock and a refused connection are transient",
  ...needsPostgres(),
  async fn() {
    const database = await createFreshDatabase();
    const sql = postgres(database.url, { max: 4, onnotice: () => {} });
    try {
      await sql.unsafe(
        "create table t (id int primary key, v int); insert into t values (1, 0), (2, 0)",
      );
      const syntax = await failureOf(() => sql.unsafe("selec 1"));
      assert.equal(kindOf(syntax), "deterministic");

      const timeout = await failureOf(() =>
        sql.begin(async (tx) => {
          await tx.unsafe("set local statement_timeout = '50ms'");
          await tx.unsafe("select pg_sleep(5)");
        })
      );
      assert.deepEqual(classifyFailure(timeout), {
        kind: "transient",
        reason: "SQLSTATE 57014 (statement timeout or cancel)",
      });

      const holder = await sql.reserve();
      try {
        await holder.unsafe("begin; lock table t in access exclusive mode");
        const lock = await failureOf(() =>
          sql.begin(async (tx) => {
            await tx.unsafe("set local lock_timeout = '50ms'");
            await tx.unsafe("lock table t in access exclusive mode");
          })
        );
        assert.deepEqual(classifyFailure(lock), {
          kind: "transient",
          reason: "SQLSTATE 55P03 (lock not available)",
        });
        await holder.unsafe("rollback");
      } finally {
        holder.release();
      }

      assert.deepEqual(classifyFailure(await serializationFailure(sql)), {
        kind: "transient",
        reason: "SQLSTATE 40001 (serialization failure)",
      });
      assert.deepEqual(classifyFailure(await deadlock(sql)), {
        kind: "transient",
        reason: "SQLSTATE 40P01 (deadlock detected)",
      });

      const refused = postgres(`postgres://x@127.0.0.1:${closedPort()}/db`, { connect_timeout: 2 });
      const error = await failureOf(() => refused`select 1`);
      await refused.end({ timeout: 0 });
      assert.deepEqual(classifyFailure(error), {
        kind: "transient",
        reason: "network error ECONNREFUSED",
      });
    } finally {
      await sql.end({ timeout: 5 });
      await database.drop();
    }
  },
});

/** Two serializable transactions that each read what the other writes: one must fail. */
async function serializationFailure(sql: postgres.Sql): Promise<unknown> {
  const a = await sql.reserve();
  const b = await sql.reserve();
  try {
    await a.unsafe("begin isolation level serializable");
    await b.unsafe("begin isolation level serializable");
    await a.unsafe("select sum(v) from t");
    await b.unsafe("select sum(v) from t");
    await a.unsafe("update t set v = v + 1 where id = 1");
    await b.unsafe("update t set v = v + 1 where id = 2");
    await a.unsafe("commit");
    const error = await failureOf(() => b.unsafe("commit"));
    return error;
  } finally {
    await a.unsafe("rollback").catch(() => {});
    await b.unsafe("rollback").catch(() => {});
    a.release();
    b.release();
  }
}

/** Two transactions that lock two rows in opposite orders: Postgres breaks the cycle. */
async function deadlock(sql: postgres.Sql): Promise<unknown> {
  const a = await sql.reserve();
  const b = await sql.reserve();
  try {
    await a.unsafe("begin; set local deadlock_timeout = '20ms'");
    await b.unsafe("begin; set local deadlock_timeout = '20ms'");
    await a.unsafe("update t set v = 10 where id = 1");
    await b.unsafe("update t set v = 20 where id = 2");
    const results = await Promise.allSettled([
      a.unsafe("update t set v = 11 where id = 2"),
      b.unsafe("update t set v = 21 where id = 1"),
    ]);
    const failed = results.find((r) => r.status === "rejected");
    assert.ok(failed, "expected one transaction to be chosen as the deadlock victim");
    return failed.reason;
  } finally {
    await a.unsafe("rollback").catch(() => {});
    await b.unsafe("rollback").catch(() => {});
    a.release();
    b.release();
  }
}

Deno.test({
  name: "S3: a missing key or bucket is deterministic (MinIO)",
  ...needsS3(),
  async fn() {
    const settings = testS3Settings();
    const s3 = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey },
    });
    try {
      const bucket = requireTestVariable("SLUICE_TEST_S3_BUCKET");
      const key = await failureOf(() =>
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: "no/such/key" }))
      );
      assert.deepEqual(classifyFailure(key), {
        kind: "deterministic",
        reason: "S3 NoSuchKey (HTTP 404)",
      });
      const missing = await failureOf(() =>
        s3.send(new GetObjectCommand({ Bucket: "no-such-bucket-sluice", Key: "k" }))
      );
      assert.equal(kindOf(missing), "deterministic");
      const invalid = await failureOf(() => s3.send(new CreateBucketCommand({ Bucket: "A_B" })));
      assert.equal(kindOf(invalid), "deterministic");
    } finally {
      s3.destroy();
    }
  },
});

Deno.test("S3: throttling, a 5xx and a refused connection are transient", async () => {
  // A local endpoint answering as S3 does when it sheds load; the SDK parses its answers.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const slow = new URL(request.url).pathname.endsWith("/slow");
    const [status, code] = slow ? [503, "SlowDown"] : [500, "InternalError"];
    return new Response(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
        `<Message>try again</Message></Error>`,
      { status, headers: { "content-type": "application/xml" } },
    );
  });
  const client = (endpoint: string) =>
    new S3Client({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
  const s3 = client(`http://127.0.0.1:${server.addr.port}`);
  const down = client(`http://127.0.0.1:${closedPort()}`);
  try {
    const slow = await failureOf(() => s3.send(new GetObjectCommand({ Bucket: "b", Key: "slow" })));
    assert.deepEqual(classifyFailure(slow), {
      kind: "transient",
      reason: "S3 SlowDown (HTTP 503)",
    });
    const internal = await failureOf(() =>
      s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }))
    );
    assert.deepEqual(classifyFailure(internal), {
      kind: "transient",
      reason: "S3 InternalError (HTTP 500)",
    });
    const refused = await failureOf(() =>
      down.send(new GetObjectCommand({ Bucket: "b", Key: "k" }))
    );
    assert.deepEqual(classifyFailure(refused), {
      kind: "transient",
      reason: "network error ECONNREFUSED",
    });
  } finally {
    s3.destroy();
    down.destroy();
    await server.shutdown();
  }
});

Deno.test("Kafka: an unreachable broker is transient", async () => {
  const kafka = new Kafka({
    clientId: "sluice-test",
    brokers: [`127.0.0.1:${closedPort()}`],
    connectionTimeout: 500,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  const error = await failureOf(() => producer.connect());
  await producer.disconnect();
  // kafkajs gives up with KafkaJSNumberOfRetriesExceeded (not retriable) around the cause.
  assert.equal((error as Error).name, "KafkaJSNumberOfRetriesExceeded");
  assert.deepEqual(classifyFailure(error), {
    kind: "transient",
    reason: "network error ECONNREFUSED",
  });
});

Deno.test({
  name: "Kafka: an unknown topic is transient, an invalid topic name deterministic (test broker)",
  ...needsKafka(),
  async fn() {
    const kafka = new Kafka({
      clientId: "sluice-test",
      brokers: requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(","),
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const unknown = await failureOf(() =>
        admin.fetchTopicMetadata({ topics: [`no-such-topic-${crypto.randomUUID()}`] })
      );
      assert.deepEqual(classifyFailure(unknown), {
        kind: "transient",
        reason: "Kafka UNKNOWN_TOPIC_OR_PARTITION",
      });
      const invalid = await failureOf(() =>
        admin.createTopics({ topics: [{ topic: "not a topic!", numPartitions: 1 }] })
      );
      assert.deepEqual(classifyFailure(invalid), {
        kind: "deterministic",
        reason: "Kafka INVALID_TOPIC_EXCEPTION",
      });
    } finally {
      await admin.disconnect();
    }
  },
});

Deno.test("asset code: type, reference and syntax errors and contract violations are deterministic", () => {
  const thrown = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error("expected a throw");
  };
  const typeError = thrown(() => (undefined as unknown as { x: () => void }).x());
  assert.deepEqual(classifyFailure(typeError), {
    kind: "deterministic",
    reason: "a TypeError in asset code",
  });
  assert.equal(kindOf(thrown(() => eval("notDefinedAnywhere + 1"))), "deterministic");
  assert.equal(kindOf(thrown(() => JSON.parse("{oops"))), "deterministic");
  const contract = thrown(() => z.object({ amount: z.number() }).parse({ amount: "12" }));
  assert.deepEqual(classifyFailure(contract), {
    kind: "deterministic",
    reason: "a contract violation",
  });
});

Deno.test("a fetch that cannot connect is transient though it is a TypeError", async () => {
  const error = await failureOf(() => fetch(`http://127.0.0.1:${closedPort()}/`));
  assert.ok(error instanceof TypeError);
  assert.equal(kindOf(error), "transient");
});

Deno.test("Sluice's own errors: checks and definitions fail once, concurrent changes retry", async () => {
  assert.deepEqual(classifyFailure(new CheckFailedError("check 'x' failed")), {
    kind: "deterministic",
    reason: "a blocking check failed",
  });
  assert.equal(kindOf(new DefinitionError("bad header", "a.b")), "deterministic");
  assert.equal(kindOf(new ConcurrentChangeError("moved")), "transient");
  assert.equal(kindOf(new TimeoutError("a.b", 10)), "transient");
  // A SqlError is as its cause: a DuckDB binder error here.
  const db = await openDuckDb({ threads: 1 });
  const binder = await failureOf(() => db.all("SELECT amout FROM (SELECT 1 AS amount)"));
  db.close();
  const sqlError = new SqlError("sql/x.sql", { line: 1, column: 8 }, "Binder Error", {
    cause: binder,
  });
  assert.equal(kindOf(sqlError), "deterministic");
  // An error that says what it is, and one nobody recognizes.
  assert.equal(
    kindOf(Object.assign(new Error("broker gone"), { failureKind: "transient" })),
    "transient",
  );
  assert.deepEqual(classifyFailure(new Error("warehouse unreachable")), {
    kind: "unknown",
    reason: "not a failure Sluice recognizes",
  });
});

Deno.test("retries() follows the asset's policy: transient by default, all, or a function", () => {
  const deterministic = new CheckFailedError("check failed");
  const unknown = new Error("flaky");
  const policy = (retryOn: typeof DEFAULT_RETRY.retryOn) => ({ ...DEFAULT_RETRY, retryOn });
  const decide = (p: typeof DEFAULT_RETRY, error: unknown) =>
    retries(p, error, classifyFailure(error));
  assert.equal(decide(DEFAULT_RETRY, deterministic), false);
  assert.equal(decide(DEFAULT_RETRY, unknown), true);
  assert.equal(decide(policy(undefined), deterministic), false);
  assert.equal(decide(policy("all"), deterministic), true);
  const onlyFlaky = policy((error) => (error as Error).message === "flaky");
  assert.equal(decide(onlyFlaky, unknown), true);
  assert.equal(decide(onlyFlaky, new ConcurrentChangeError("moved")), false);
});
