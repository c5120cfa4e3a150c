import assert from "node:assert/strict";
import { ApiError } from "../../../web/serve/api_error.ts";
import { isAscii, readJsonBody } from "../../../web/serve/json_body.ts";

const request = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://serve.test/v1/predict", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

Deno.test("readJsonBody() parses JSON and reports repeated keys", async () => {
  const body = await readJsonBody(request('{"a":1,"a":2}'), 100);
  assert.deepEqual(body, { value: { a: 2 }, duplicates: [["a"]] });
});

Deno.test("readJsonBody() accepts a UTF-8 charset and nothing but application/json", async () => {
  await readJsonBody(request("{}", { "content-type": "application/json; charset=UTF-8" }), 100);
  for (
    const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "",
    ]
  ) {
    const error = await failure(readJsonBody(request("{}", { "content-type": type }), 100));
    assert.equal(error.status, 415, type);
    assert.equal(error.code, "unsupported_media_type");
  }
});

Deno.test("readJsonBody() answers 413 past the limit with or without Content-Length", async () => {
  const declared = await failure(
    readJsonBody(request("x".repeat(101), { "content-length": "101" }), 100),
  );
  assert.equal(declared.status, 413);
  assert.equal(
    declared.message,
    "Cannot read the body as it must be at most 100 bytes: current size is 101 bytes",
  );
  const bytes = new TextEncoder().encode(`[${"1,".repeat(200)}1]`);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 50) controller.enqueue(bytes.subarray(i, i + 50));
      controller.close();
    },
  });
  const streamed = await failure(readJsonBody(request(stream), 100));
  assert.equal(streamed.status, 413);
  assert.equal(
    streamed.message,
    "Cannot read the body as it must be at most 100 bytes: current size is more than 100 bytes",
  );
});

Deno.test("readJsonBody() answers 400 for bad JSON and bad UTF-8", async () => {
  for (const body of ['{"a":', "", "{'a':1}", "NaN", '{"a":1}x']) {
    const error = await failure(readJsonBody(request(body), 100));
    assert.equal(error.status, 400, body);
    assert.equal(error.code, "invalid_json");
    assert.match(error.message, /^The body is not valid JSON: /);
  }
  const latin1 = new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]);
  const error = await failure(readJsonBody(request(latin1), 100));
  assert.equal(error.message, "The body is not valid UTF-8: send JSON text in UTF-8");
});

Deno.test("readJsonBody() reads ASCII and multi-byte UTF-8 alike and drops a leading BOM", async () => {
  const ascii = await readJsonBody(request('{"id":"order-17"}'), 100);
  assert.deepEqual(ascii.value, { id: "order-17" });
  const accented = await readJsonBody(request(new TextEncoder().encode('{"id":"café ✓"}')), 100);
  assert.deepEqual(accented.value, { id: "café ✓" });
  // The fatal decoder drops a leading BOM (ignoreBOM false); the text left is plain JSON.
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":1}')]);
  assert.deepEqual((await readJsonBody(request(bom), 100)).value, { a: 1 });
  const truncated = new Uint8Array([...new TextEncoder().encode('{"a":"'), 0xe2, 0x9c, 0x22, 0x7d]);
  const error = await failure(readJsonBody(request(truncated), 100));
  assert.equal(error.message, "The body is not valid UTF-8: send JSON text in UTF-8");
});

Deno.test("readJsonBody() reads a body of declared length without creating its stream", async () => {
  // Deno registers a request's body stream for finalization, which keeps it alive through young
  // collections: serve's hot path must read a sized body with arrayBuffer() alone.
  class StreamlessRequest extends Request {
    override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
      throw new Error("the body stream was created");
    }
  }
  const text = '{"a":1}';
  const sized = new StreamlessRequest("http://serve.test/v1/predict", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(text.length) },
    body: text,
  });
  assert.deepEqual(await readJsonBody(sized, 100), { value: { a: 1 }, duplicates: [] });
});

Deno.test("isAscii() finds a byte above 0x7f at any position of any slice of a buffer", () => {
  const buffer = new Uint8Array(23).fill(0x7f);
  for (let start = 0; start <= buffer.length; start++) {
    for (let end = start; end <= buffer.length; end++) {
      assert.equal(isAscii(buffer.subarray(start, end)), true, `[${start}, ${end}) is ASCII`);
      for (let high = start; high < end; high++) {
        buffer[high] = 0x80;
        assert.equal(isAscii(buffer.subarray(start, end)), false, `0x80 at ${high}`);
        buffer[high] = 0x7f;
      }
    }
  }
});
