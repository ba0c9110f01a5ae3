/**
 * The process-wide Xyte API client: one `fetch` path for every endpoint of the catalog.
 *
 * It picks the base URL (hub or entry) and the key (organization, partner or device) from the endpoint's
 * catalog entry, sends JSON, bounds each request by a deadline combined with the caller's AbortSignal,
 * and turns every failure into a typed `XyteError`. Keys are sent raw in `Authorization` (Xyte does not use
 * `Bearer`) and never appear in errors or logs.
 */
import { log } from "../observability/log.ts";
import { rememberSecret, type Secret } from "../secret.ts";
import { type EndpointKey, type EndpointSpec, fillPath, findEndpoint, missingPathParams } from "./catalog.ts";
import { authHint, codeForStatus, parseRetryAfter, XyteError } from "./errors.ts";

export type QueryValue = string | number | boolean | readonly (string | number)[];

export interface XyteClientOptions {
  hubUrl: string;
  entryUrl: string;
  organizationKey?: Secret;
  partnerKey?: Secret;
  timeoutMs: number;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface CallOptions {
  /** Values for the endpoint's `:param` path segments. */
  path?: Record<string, string | number>;
  query?: Record<string, QueryValue | undefined | null>;
  body?: unknown;
  /** Device access key, for device-scope endpoints. */
  deviceKey?: Secret;
  signal?: AbortSignal;
}

/** The exact request a call sends, with the key masked; used for `dry_run` answers and logs. */
export interface PreparedRequest {
  endpointKey: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_MESSAGE_CHARS = 300;

export class XyteClient {
  readonly #options: XyteClientOptions;
  readonly #fetch: typeof fetch;
  readonly #log = log("xyte");

  constructor(options: XyteClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    // Keys are scrubbed from every error message and log line, even when Xyte echoes them back.
    for (const key of [options.organizationKey, options.partnerKey]) if (key) rememberSecret(key);
  }

  /** Which scopes this client holds a key for. */
  hasKeyFor(scope: "organization" | "partner"): boolean {
    return scope === "organization"
      ? this.#options.organizationKey !== undefined
      : this.#options.partnerKey !== undefined;
  }

  /** The request `call` would send, without sending it. Throws `XyteError` (validation) on missing path params. */
  prepare(endpoint: EndpointKey | EndpointSpec, options: CallOptions = {}): PreparedRequest {
    const spec = this.#spec(endpoint);
    const { url, headers, body } = this.#build(spec, options, false);
    return {
      endpointKey: spec.key,
      method: spec.method,
      url,
      headers,
      ...(body === undefined ? {} : { body }),
    };
  }

  /** Sends one request and returns the parsed JSON body (`null` for an empty body). */
  async call(endpoint: EndpointKey | EndpointSpec, options: CallOptions = {}): Promise<unknown> {
    const spec = this.#spec(endpoint);
    const { url, headers, body } = this.#build(spec, options, true);
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = performance.now();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw this.#transportError(spec, error, options.signal, timeout);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#transportError(spec, error, options.signal, timeout);
    }
    const ms = Math.round(performance.now() - started);
    this.#log.debug("upstream call", {
      method: spec.method,
      endpointKey: spec.key,
      status: response.status,
      ms,
    });
    return this.#interpret(spec, response, text);
  }

  #spec(endpoint: EndpointKey | EndpointSpec): EndpointSpec {
    if (typeof endpoint !== "string") return endpoint;
    const spec = findEndpoint(endpoint);
    if (!spec) throw new XyteError({ code: "validation", message: `unknown endpoint ${endpoint}` });
    return spec;
  }

  #build(
    spec: EndpointSpec,
    options: CallOptions,
    reveal: boolean,
  ): { url: string; headers: Record<string, string>; body: unknown } {
    const missing = missingPathParams(spec, options.path ?? {});
    if (missing.length > 0) {
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `missing path parameter(s): ${missing.join(", ")}`,
        hint: `${spec.key} needs ${spec.pathParams.join(", ")}.`,
        retriable: false,
      });
    }
    const base = spec.base === "entry" ? this.#options.entryUrl : this.#options.hubUrl;
    const url = new URL(base + fillPath(spec, options.path ?? {}));
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(",") : String(value));
    }
    const headers: Record<string, string> = {
      "accept": "application/json",
      "user-agent": this.#options.userAgent ?? "xyte-mcp",
    };
    const key = this.#keyFor(spec, options);
    if (key) headers["authorization"] = reveal ? key.reveal() : "[redacted]";
    const sendsBody = spec.method !== "GET" && options.body !== undefined;
    if (sendsBody) headers["content-type"] = "application/json";
    return { url: url.toString(), headers, body: sendsBody ? options.body : undefined };
  }

  #keyFor(spec: EndpointSpec, options: CallOptions): Secret | undefined {
    const key = spec.scope === "organization"
      ? this.#options.organizationKey
      : spec.scope === "partner"
      ? this.#options.partnerKey
      : spec.scope === "device"
      ? options.deviceKey
      : undefined;
    if (key && spec.scope === "device") rememberSecret(key);
    if (!key && spec.scope !== "none") {
      throw new XyteError({
        code: "auth",
        endpointKey: spec.key,
        message: `no ${spec.scope} key configured for ${spec.key}`,
        hint: spec.scope === "device"
          ? "Device endpoints need the device's access key (device_key argument)."
          : authHint(spec.scope),
        retriable: false,
      });
    }
    return key;
  }

  #interpret(spec: EndpointSpec, response: Response, text: string): unknown {
    const parsed = parseJson(text);
    if (response.ok) {
      if (text.trim() === "") return null;
      if (parsed.ok) return parsed.value;
      throw new XyteError({
        code: "invalid_response",
        status: response.status,
        endpointKey: spec.key,
        message: `Xyte answered ${spec.key} with a body that is not JSON: ${excerpt(text)}`,
      });
    }
    const code = codeForStatus(response.status);
    const upstreamMessage = parsed.ok ? messageFrom(parsed.value) : undefined;
    const message = upstreamMessage ??
      (text.trim() === "" ? `HTTP ${response.status}` : `HTTP ${response.status}: ${excerpt(text)}`);
    throw new XyteError({
      code,
      status: response.status,
      endpointKey: spec.key,
      message,
      ...(code === "auth" ? { hint: authHint(spec.scope) } : {}),
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
    });
  }

  #transportError(spec: EndpointSpec, error: unknown, caller: AbortSignal | undefined, timeout: AbortSignal) {
    if (caller?.aborted) {
      return new XyteError({ code: "cancelled", endpointKey: spec.key, message: "the call was cancelled" });
    }
    if (timeout.aborted) {
      return new XyteError({
        code: "timeout",
        endpointKey: spec.key,
        message: `Xyte did not answer ${spec.key} within ${this.#options.timeoutMs} ms`,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new XyteError({
      code: "network",
      endpointKey: spec.key,
      message: `cannot reach Xyte for ${spec.key}: ${reason}`,
    });
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Xyte's error text from `{error}`, `{message}` or `{errors}` bodies. */
function messageFrom(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const field of ["error", "message", "errors"]) {
    const value = record[field];
    if (typeof value === "string" && value.trim() !== "") return value.slice(0, MAX_MESSAGE_CHARS);
    if (Array.isArray(value) && value.length > 0) {
      return value.map(String).join("; ").slice(0, MAX_MESSAGE_CHARS);
    }
  }
  return undefined;
}

/** A short, single-line, tag-free excerpt of a body for error messages. */
function excerpt(text: string): string {
  const flat = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat || "(empty)";
}
