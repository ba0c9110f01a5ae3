import assert from "node:assert/strict";
import { describeIssues } from "../../src/mcp/fallback.ts";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { z } from "zod";
import {
  errorResult,
  invalidArguments,
  successResult,
  toErrorPayload,
  ToolFailure,
} from "../../src/mcp/results.ts";
import {
  inputJsonSchema,
  outputJsonSchema,
  type ToolErrorPayload,
  toolListing,
} from "../../src/mcp/schemas.ts";
import { defineTool, READ_ONLY, type ToolContext } from "../../src/mcp/tool.ts";
import { rememberSecret } from "../../src/secret.ts";
import { XyteError } from "../../src/xyte/errors.ts";

const SECRET = "results-secret-9d8c7b6a";
rememberSecret(SECRET);

// ---- results ----

Deno.test("successResult puts the summary and the JSON in content and the object in structuredContent", () => {
  const result = { devices: [{ id: "d1" }], more: false };
  assert.deepEqual(successResult("1 device", result), {
    content: [
      { type: "text", text: "1 device" },
      { type: "text", text: JSON.stringify(result) },
    ],
    structuredContent: result,
  });
});

Deno.test("successResult scrubs a known secret from its texts", () => {
  const result = successResult(`key ${SECRET}`, { note: `echo ${SECRET}` });
  const texts = result.content.map((c) => (c as { text: string }).text);
  for (const text of texts) assert.ok(!text.includes(SECRET), text);
  assert.ok(texts[0]!.includes("[redacted]"));
});

Deno.test("errorResult is isError with a readable text and structuredContent.error", () => {
  const payload: ToolErrorPayload = {
    code: "rate_limited",
    message: "slow down",
    status: 429,
    hint: "Wait.",
    retriable: true,
  };
  assert.deepEqual(errorResult(payload), {
    isError: true,
    content: [{ type: "text", text: "Error rate_limited (HTTP 429): slow down\nHint: Wait. Retriable." }],
    structuredContent: { error: payload },
  });
  const plain = errorResult({ code: "invalid_arguments", message: "bad", hint: "Fix it.", retriable: false });
  assert.equal((plain.content[0] as { text: string }).text, "Error invalid_arguments: bad\nHint: Fix it.");
});

Deno.test("toErrorPayload keeps a XyteError's code, status, message, hint and retriable", () => {
  const error = new XyteError({
    code: "not_found",
    status: 404,
    message: "Device not found",
    hint: "Check the id.",
  });
  assert.deepEqual(toErrorPayload(error), {
    code: "not_found",
    message: "Device not found",
    status: 404,
    hint: "Check the id.",
    retriable: false,
  });
  const noStatus = toErrorPayload(new XyteError({ code: "timeout", message: "slow" }));
  assert.equal("status" in noStatus, false);
  assert.equal(noStatus.retriable, true);
  assert.ok(noStatus.hint.length > 0);
});

Deno.test("toErrorPayload adds the Retry-After wait to the hint", () => {
  const error = new XyteError({
    code: "rate_limited",
    status: 429,
    message: "slow down",
    retryAfterSeconds: 12,
  });
  const payload = toErrorPayload(error);
  assert.ok(payload.hint.includes("12 s"), payload.hint);
  assert.equal(payload.retriable, true);
});

Deno.test("toErrorPayload returns a ToolFailure's payload, scrubbed", () => {
  const failure = new ToolFailure({
    code: "invalid_arguments",
    message: `bad value ${SECRET}`,
    hint: `do not send ${SECRET}`,
    retriable: false,
  });
  const payload = toErrorPayload(failure);
  assert.equal(payload.code, "invalid_arguments");
  assert.equal(payload.message, "bad value [redacted]");
  assert.equal(payload.hint, "do not send [redacted]");
  assert.equal(payload.retriable, false);
});

Deno.test("an unexpected Error becomes code internal without the stack or the original message", () => {
  const original = new TypeError(
    `Cannot read properties of undefined (reading 'id') at /srv/app.ts ${SECRET}`,
  );
  for (const thrown of [original, "a string", { weird: true }, undefined]) {
    const payload = toErrorPayload(thrown);
    assert.equal(payload.code, "internal");
    assert.equal(payload.retriable, false);
    const text = JSON.stringify(payload);
    assert.ok(!text.includes("Cannot read properties"), text);
    assert.ok(!text.includes("app.ts"), text);
    assert.ok(!text.includes(SECRET), text);
    assert.ok(!text.includes("    at "), text);
  }
});

Deno.test("invalidArguments names the tool and the offending argument path", () => {
  const schema = z.object({ device_id: z.string(), limit: z.number().max(100) });
  const parsed = schema.safeParse({ device_id: 5, limit: 500 });
  assert.equal(parsed.success, false);
  const failure = invalidArguments("get_device", parsed.error!);
  assert.ok(failure instanceof ToolFailure);
  const payload = toErrorPayload(failure);
  assert.equal(payload.code, "invalid_arguments");
  assert.equal(payload.retriable, false);
  assert.ok(payload.message.includes("get_device"), payload.message);
  assert.ok(payload.message.includes("device_id"), payload.message);
  assert.ok(payload.message.includes("limit"), payload.message);
  assert.ok(payload.hint.includes("get_device"), payload.hint);
});

Deno.test("invalidArguments: an unknown argument is told the argument it probably means", () => {
  const schema = z.object({ space: z.string().optional(), name_contains: z.string().optional() }).strict();
  const known = Object.keys(schema.shape);
  const message = (args: Record<string, unknown>) =>
    toErrorPayload(invalidArguments("list_devices", schema.safeParse(args).error!, known)).message;
  assert.match(message({ space_id: 1041 }), /"space_id" is perhaps "space"/);
  assert.match(message({ name_contain: "Rally" }), /"name_contain" is perhaps "name_contains"/);
  assert.doesNotMatch(message({ colour: "red" }), /perhaps/, "nothing near: no guess");
  assert.match(message({ name: "Rally" }), /"name" is perhaps "name_contains"/);
  const paged = z.object({ all: z.boolean().optional(), page: z.number().optional() }).strict();
  const short =
    toErrorPayload(invalidArguments("x", paged.safeParse({ at: 1 }).error!, ["all", "page"])).message;
  assert.doesNotMatch(short, /perhaps/, "a short name two letters away is no typo (at is not all)");
  const devices = z.object({ device_id: z.string() }).strict();
  const byDevice = invalidArguments("get_device", devices.safeParse({ device_id: "d", device: "d" }).error!, [
    "device_id",
  ]);
  assert.match(toErrorPayload(byDevice).message, /"device" is perhaps "device_id"/);
});

Deno.test("invalidArguments: a word agents use for an argument is told its name, else the accepted names", () => {
  const search = z.object({ text: z.string().optional(), limit: z.number().optional() }).strict();
  const searchMessage = (args: Record<string, unknown>) =>
    toErrorPayload(invalidArguments("search_endpoints", search.safeParse(args).error!, ["text", "limit"]))
      .message;
  assert.match(searchMessage({ query: "firmware" }), /"query" is perhaps "text"/);
  assert.match(searchMessage({ q: "firmware" }), /"q" is perhaps "text"/);
  const history = z.object({ since: z.string().optional(), until: z.string().optional() }).strict();
  const historyMessage = toErrorPayload(
    invalidArguments("partner_device_history", history.safeParse({ from: "a", to: "b" }).error!, [
      "since",
      "until",
    ]),
  ).message;
  assert.match(historyMessage, /"from" is perhaps "since"; "to" is perhaps "until"/);
  const partner = z.object({ organization: z.string().optional(), claimed: z.boolean().optional() }).strict();
  const known = ["organization", "claimed"];
  const nothingNear = toErrorPayload(
    invalidArguments("partner_list_devices", partner.safeParse({ colour: "red" }).error!, known),
  ).message;
  assert.match(nothingNear, /accepted: organization, claimed/, "no guess: the names it takes");
  assert.match(
    toErrorPayload(
      invalidArguments("partner_list_devices", partner.safeParse({ customer: "N" }).error!, known),
    )
      .message,
    /"customer" is perhaps "organization"/,
  );
});

Deno.test("invalidArguments: an unknown argument named like an Object.prototype member is an ordinary unknown argument", () => {
  const schema = z.object({ space: z.string().optional(), limit: z.number().optional() }).strict();
  for (const key of ["constructor", "Constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    const args = JSON.parse(`{${JSON.stringify(key)}: 1}`);
    const error = schema.safeParse(args).error ?? schema.safeParse({ [key]: 1 }).error;
    if (error === undefined) continue; // zod itself ignores it (__proto__)
    const message = toErrorPayload(invalidArguments("list_devices", error, ["space", "limit"])).message;
    assert.match(message, /Unrecognized key/, key);
    assert.match(message, /accepted: space, limit/, key);
  }
});

Deno.test("invalidArguments names the first few of many unknown arguments and problems, and counts the rest", () => {
  const schema = z.object({ space: z.string().optional(), limit: z.number().optional() }).strict();
  const known = Object.keys(schema.shape);
  // A 1 MB body of made-up keys: naming each one took 1.5 s and made a 2 MB answer.
  const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]));
  const keys = toErrorPayload(invalidArguments("list_devices", schema.safeParse(many).error!, known)).message;
  assert.equal(
    keys,
    'invalid arguments for list_devices: arguments: Unrecognized keys: "k0", "k1", "k2", "k3", "k4", 9995 more ' +
      "(accepted: space, limit)",
  );
  const one = toErrorPayload(invalidArguments("list_devices", schema.safeParse({ spaces: 1 }).error!, known));
  assert.match(one.message, /arguments: Unrecognized key: "spaces" \("spaces" is perhaps "space"\)$/);
  // A name far longer than any argument is no typo of one.
  const long = toErrorPayload(
    invalidArguments("x", schema.safeParse({ ["s".repeat(100_000)]: 1 }).error!, known),
  );
  assert.doesNotMatch(long.message, /perhaps/);
  const list = z.array(z.string());
  const issues = toErrorPayload(invalidArguments("x", list.safeParse(Array(50).fill(1)).error!)).message;
  assert.match(issues, /^invalid arguments for x: 0: .*; 4: [^;]*; 45 more$/);
});

Deno.test("describeIssues (invalid params of a request) names the first few issues and counts the rest", () => {
  const params = z.object({ uris: z.array(z.string()) });
  const described = describeIssues(params.safeParse({ uris: Array(1000).fill(1) }).error!);
  assert.match(described, /^uris\.0: .*; uris\.4: [^;]*; 995 more$/);
});

// ---- schemas ----

const Success = z.object({
  devices: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  more: z.boolean(),
  note: z.string().optional(),
});

const ERROR_OBJECT = {
  error: {
    code: "not_found",
    message: "no such device",
    status: 404,
    hint: "Check the id.",
    retriable: false,
  },
};

Deno.test("outputJsonSchema keeps root type object, adds the error branch and requires nothing at the root", () => {
  const schema = outputJsonSchema(Success);
  assert.equal(schema.type, "object");
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(properties).sort(), ["devices", "error", "more", "note"]);
  assert.equal(properties.error!.type, "object");
  // The published error branch pins the fields every client may rely on; the server instructions describe the rest.
  assert.deepEqual((properties.error!.required as string[]).slice().sort(), ["code", "message"]);
  assert.equal("$schema" in properties.error!, false);
  assert.equal("$schema" in schema, false, "no $schema in what every tools/list repeats");
  // Required fields are enforced by the server on every success result (see the next test), not repeated here.
  assert.equal("anyOf" in schema, false);
  assert.equal("required" in schema, false);
});

Deno.test("a tool whose result breaks its output schema fails as an internal error, never sent", async () => {
  const broken = defineTool({
    name: "broken_tool",
    title: "Broken",
    description: "Returns a result missing a required field.",
    toolset: "devices",
    input: z.object({}),
    output: Success,
    annotations: READ_ONLY,
    run: () => Promise.resolve({ devices: [] } as unknown as z.infer<typeof Success>),
    summarize: () => "never",
  });
  await assert.rejects(() => broken.execute({}, {} as ToolContext), /breaks its schema at more/);
});

Deno.test("the published output schema accepts a success object and {error}, and rejects anything else", () => {
  const validate = new CfWorkerJsonSchemaValidator().getValidator(outputJsonSchema(Success));
  const valid = [
    { devices: [{ id: "d1", name: null }], more: false },
    { devices: [], more: true, note: "n" },
    ERROR_OBJECT,
    { error: { code: "internal", message: "m", hint: "h", retriable: false } },
  ];
  for (const value of valid) {
    const result = validate(value);
    assert.equal(result.valid, true, `${JSON.stringify(value)}: ${result.errorMessage}`);
  }
  const invalid = [
    { devices: [{ id: 1, name: null }], more: false },
    { more: "no" },
    { error: { code: "x" } },
    { error: "boom" },
    [],
  ];
  for (const value of invalid) {
    assert.equal(validate(value).valid, false, `${JSON.stringify(value)} should be rejected`);
  }
});

Deno.test("an errorResult's structuredContent validates against the published output schema", () => {
  const validate = new CfWorkerJsonSchemaValidator().getValidator(outputJsonSchema(Success));
  const error = new XyteError({ code: "rate_limited", status: 429, message: "slow", retryAfterSeconds: 3 });
  const result = errorResult(toErrorPayload(error));
  const check = validate(result.structuredContent);
  assert.equal(check.valid, true, check.errorMessage);
  const success = successResult("ok", { devices: [], more: false });
  assert.equal(validate(success.structuredContent).valid, true);
});

Deno.test("a tool's listing: input schema (plus cache for read tools), output schema, meaningful annotations", () => {
  const tool = defineTool({
    name: "sample_tool",
    title: "Sample",
    description: "A sample.",
    toolset: "devices",
    input: z.object({ device_id: z.string() }),
    output: Success,
    annotations: READ_ONLY,
    run: () => Promise.resolve({ devices: [], more: false }),
    summarize: () => "ok",
  });
  const listing = toolListing(tool);
  assert.equal(toolListing(tool), listing, "computed once and shared");
  assert.deepEqual(listing.outputSchema, outputJsonSchema(Success));
  assert.equal(listing.inputSchema.type, "object");
  assert.deepEqual(listing.inputSchema.required, ["device_id"]);
  assert.deepEqual(Object.keys(listing.inputSchema.properties ?? {}), ["device_id", "cache"]);
  assert.deepEqual(listing.annotations, { readOnlyHint: true, openWorldHint: true });
  assert.deepEqual(inputJsonSchema(z.object({ x: z.string() })).properties, { x: { type: "string" } });
});
