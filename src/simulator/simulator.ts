/**
 * The in-process simulated Xyte hub: routing, authentication, request log, fault injection and the admin
 * API, around the seeded state. `startSimulator` (server.ts) puts the same handler behind Deno.serve.
 */
import { handleAdminRequest } from "./admin.ts";
import type { Principal, RequestContext, RouteDefinition, SimRuntime } from "./context.ts";
import { FaultRegistry } from "./faults.ts";
import { errorResponse, SimHttpError } from "./http.ts";
import { locateDevice } from "./lookup.ts";
import { mixSeed, Prng } from "./prng.ts";
import { type RouteMatch, RouteTable } from "./router.ts";
import { SIMULATOR_ROUTES } from "./routes/all_routes.ts";
import { buildState, type ResolvedOptions, resolveOptions } from "./seed.ts";
import type { FaultSpec, RecordedRequest, SimState, SimulatorOptions } from "./types.ts";

export interface Simulator {
  /** Answers one request in process (no socket). */
  handle(req: Request): Promise<Response>;
  /** Every API request received, in order (admin `/__sim/*` calls are not recorded). */
  readonly requests: RecordedRequest[];
  faults: { add(f: FaultSpec): string; remove(id: string): void; clear(): void };
  /** Typed, mutable data of every organization. */
  readonly state: SimState;
  /** Restores the seeded data, clears the request log and the faults. */
  reset(): void;
  keys: { organizations: string[]; partner: string };
  /** Device-scope key (`Authorization` for /v1/devices/:id/*) of a device. */
  deviceAccessKey(deviceId: string): string;
}

let routeTable: RouteTable | null = null;

/** The shared, immutable route table (built on first use). */
export function simulatorRouteTable(): RouteTable {
  routeTable ??= new RouteTable(SIMULATOR_ROUTES);
  return routeTable;
}

const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface ParsedBody {
  body: unknown;
  bodyError: string | null;
  form: FormData | null;
  /** What the request log keeps. */
  recorded?: unknown;
}

async function readBody(req: Request): Promise<ParsedBody> {
  if (BODYLESS_METHODS.has(req.method) || req.body === null) {
    return { body: undefined, bodyError: null, form: null };
  }
  const contentType = req.headers.get("content-type") ?? "";
  if (contentType.includes("multipart/form-data")) {
    try {
      const form = await req.formData();
      return { body: undefined, bodyError: null, form, recorded: { multipart: [...new Set(form.keys())] } };
    } catch {
      return { body: undefined, bodyError: "Malformed multipart body", form: null };
    }
  }
  const text = await req.text();
  if (text.trim() === "") return { body: undefined, bodyError: null, form: null };
  try {
    const body = JSON.parse(text);
    return { body, bodyError: null, form: null, recorded: body };
  } catch {
    return { body: undefined, bodyError: "Malformed JSON body", form: null, recorded: text.slice(0, 10_000) };
  }
}

/** Never settles until one of the signals aborts; resolves with the abort reason (no timer is kept). */
function waitForAbort(signals: (AbortSignal | null)[]): Promise<unknown> {
  const active = signals.filter((s): s is AbortSignal => s !== null);
  const aborted = active.find((s) => s.aborted);
  if (aborted) return Promise.resolve(aborted.reason);
  return new Promise((resolve) => {
    const onAbort = (event: Event) => {
      for (const s of active) s.removeEventListener("abort", onAbort);
      resolve((event.target as AbortSignal).reason);
    };
    for (const s of active) s.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves after `ms`, or rejects when one of the signals aborts first. */
function abortableDelay(ms: number, signals: (AbortSignal | null)[]): Promise<void> {
  const active = signals.filter((s): s is AbortSignal => s !== null);
  return new Promise((resolve, reject) => {
    const aborted = active.find((s) => s.aborted);
    if (aborted) return reject(aborted.reason);
    const onAbort = (event: Event) => {
      clearTimeout(timer);
      for (const s of active) s.removeEventListener("abort", onAbort);
      reject((event.target as AbortSignal).reason);
    };
    const timer = setTimeout(() => {
      for (const s of active) s.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    for (const s of active) s.addEventListener("abort", onAbort, { once: true });
  });
}

function faultBody(spec: FaultSpec, status: number): { body: string; contentType: string } {
  if (spec.body === undefined) {
    return {
      body: JSON.stringify({ error: `Simulated fault (status ${status})` }),
      contentType: spec.contentType ?? "application/json; charset=utf-8",
    };
  }
  const looksHtml = spec.body.trimStart().startsWith("<");
  return {
    body: spec.body,
    contentType: spec.contentType ??
      (looksHtml ? "text/html; charset=utf-8" : "application/json; charset=utf-8"),
  };
}

/** Answer of a fault with a synthetic response (status/body/contentType/retryAfter), else null. */
function syntheticFaultResponse(spec: FaultSpec): Response | null {
  const synthetic = spec.status !== undefined || spec.body !== undefined || spec.contentType !== undefined ||
    spec.retryAfter !== undefined || spec.delayMs === undefined;
  if (!synthetic) return null;
  const status = spec.status ?? (spec.retryAfter !== undefined ? 429 : 500);
  const { body, contentType } = faultBody(spec, status);
  const headers: Record<string, string> = { "content-type": contentType };
  if (spec.retryAfter !== undefined) headers["retry-after"] = String(spec.retryAfter);
  return new Response(body, { status, headers });
}

/** A response whose body fails right away (the socket answer of a dropped connection). */
function brokenResponse(status: number): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(new Error("Simulated connection drop"));
    },
  });
  return new Response(body, { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/**
 * Applies a matched fault: waits `delayMs`, then hangs, drops, or answers synthetically. Returns null when
 * the request should continue normally (delay-only fault). Rejects when the request is aborted.
 */
async function applyFault(
  fault: FaultSpec,
  clientSignal: AbortSignal | null,
  shutdown: AbortSignal,
): Promise<Response | null> {
  if (fault.delayMs !== undefined && fault.delayMs > 0) {
    await abortableDelay(fault.delayMs, [clientSignal, shutdown]);
  }
  if (fault.hang) throw await waitForAbort([clientSignal, shutdown]);
  if (fault.dropConnection) {
    // In process the caller sees what fetch reports for a reset connection; over a socket the status line
    // goes out and the body then fails.
    if (clientSignal !== null) throw new TypeError("Simulated connection drop");
    return brokenResponse(fault.status ?? 200);
  }
  return syntheticFaultResponse(fault);
}

export class SimulatorImpl implements Simulator {
  readonly requests: RecordedRequest[] = [];
  readonly faults: { add(f: FaultSpec): string; remove(id: string): void; clear(): void };
  readonly #options: ResolvedOptions;
  readonly #registry = new FaultRegistry();
  readonly #table = simulatorRouteTable();
  /** Aborted by close(): releases hung and delayed requests. */
  #shutdown = new AbortController();
  #state: SimState;
  #runtime: SimRuntime;
  #runtimePrng: Prng;
  #sequence = 0;
  readonly #anchorMs: number;
  readonly #startedPerf: number;

  constructor(options: SimulatorOptions = {}) {
    this.#options = resolveOptions(options);
    this.#anchorMs = this.#options.nowMs;
    this.#startedPerf = performance.now();
    this.#state = buildState(this.#options);
    this.#runtimePrng = this.#newRuntimePrng();
    this.#runtime = this.#newRuntime();
    const registry = this.#registry;
    this.faults = {
      add: (f: FaultSpec) => registry.add(f),
      remove: (id: string) => {
        registry.remove(id);
      },
      clear: () => registry.clear(),
    };
  }

  get state(): SimState {
    return this.#state;
  }

  get keys(): { organizations: string[]; partner: string } {
    return { organizations: this.#state.organizations.map((o) => o.key), partner: this.#state.partner.key };
  }

  get faultRegistry(): FaultRegistry {
    return this.#registry;
  }

  deviceAccessKey(deviceId: string): string {
    const located = locateDevice(this.#state, deviceId);
    if (!located) throw new Error(`Unknown simulated device: ${deviceId}`);
    return located.device.accessKey;
  }

  reset(): void {
    this.#state = buildState(this.#options);
    this.#runtimePrng = this.#newRuntimePrng();
    this.#runtime = this.#newRuntime();
    this.requests.length = 0;
    this.#sequence = 0;
    this.#registry.reset();
  }

  handle(req: Request): Promise<Response> {
    return this.handleRequest(req, req.signal);
  }

  /** Releases every hung or delayed request (their handlers reject); used by the server's close(). */
  abortPending(): void {
    this.#shutdown.abort(new DOMException("Simulator closed", "AbortError"));
    this.#shutdown = new AbortController();
  }

  /**
   * Handles one request. `clientSignal` is the caller's abort signal; the socket server passes null
   * (reading `request.signal` inside Deno.serve prints a warning) and relies on close() instead.
   */
  async handleRequest(req: Request, clientSignal: AbortSignal | null): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/__sim" || url.pathname.startsWith("/__sim/")) {
      return await handleAdminRequest(this, req, url);
    }
    const record: RecordedRequest = {
      seq: ++this.#sequence,
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
      endpointKey: null,
      scope: null,
      authorized: false,
      status: 0,
    };
    this.requests.push(record);
    const match = this.#table.match(req.method, url.pathname);
    const parsed = await readBody(req);
    if (parsed.recorded !== undefined) record.body = parsed.recorded;
    let principal: Principal | null = null;
    let authError: SimHttpError | null = null;
    if (match.kind === "found") {
      const route = match.route;
      record.endpointKey = route.resolveKey ? route.resolveKey(parsed.body) : route.key;
      record.scope = route.scope;
      try {
        principal = this.#authenticate(route, req.headers.get("authorization"), match.params);
      } catch (error) {
        authError = error instanceof SimHttpError ? error : new SimHttpError(401, "Unauthorized");
      }
      record.authorized = principal !== null;
    }

    const fault = this.#registry.take({
      endpointKey: record.endpointKey,
      method: req.method,
      path: url.pathname,
      query: record.query,
    });
    if (fault) {
      const faulted = await applyFault(fault, clientSignal, this.#shutdown.signal);
      if (faulted) {
        // A broken (dropped) answer is recorded as 0: no complete response was delivered.
        record.status = fault.dropConnection ? 0 : faulted.status;
        return faulted;
      }
    }
    const response = await this.#dispatch(url, req.method, match, principal, authError, parsed);
    record.status = response.status;
    return response;
  }

  async #dispatch(
    url: URL,
    method: string,
    match: RouteMatch,
    principal: Principal | null,
    authError: SimHttpError | null,
    parsed: ParsedBody,
  ): Promise<Response> {
    if (match.kind === "not_found") return errorResponse(404, "Not found");
    if (match.kind === "method_not_allowed") {
      return errorResponse(405, "Method not allowed", { allow: match.allowed.join(", ") });
    }
    if (authError || principal === null) {
      return errorResponse(authError?.status ?? 401, authError?.message ?? "Unauthorized");
    }
    const ctx: RequestContext = {
      state: this.#state,
      runtime: this.#runtime,
      url,
      method,
      params: match.params,
      query: url.searchParams,
      body: parsed.body,
      bodyError: parsed.bodyError,
      form: parsed.form,
    };
    try {
      return await match.route.handle(ctx, principal);
    } catch (error) {
      if (error instanceof SimHttpError) return errorResponse(error.status, error.message, error.headers);
      const message = error instanceof Error ? error.message : String(error);
      return errorResponse(500, `Internal simulator error: ${message}`);
    }
  }

  #authenticate(route: RouteDefinition, header: string | null, params: Record<string, string>): Principal {
    if (route.scope === "none") return { scope: "none" };
    if (header === null || header.trim() === "") throw new SimHttpError(401, "Missing Authorization header");
    if (/^bearer\s/i.test(header)) {
      throw new SimHttpError(
        401,
        "Invalid API key (send the raw key as the Authorization value, without 'Bearer')",
      );
    }
    const state = this.#state;
    switch (route.scope) {
      case "organization": {
        const org = state.organizations.find((o) => o.key === header);
        if (!org) throw new SimHttpError(401, "Invalid API key");
        return { scope: "organization", org };
      }
      case "partner":
        if (header !== state.partner.key) throw new SimHttpError(401, "Invalid API key");
        return { scope: "partner" };
      default: {
        const located = locateDevice(state, params.device_id ?? "");
        if (!located || located.device.accessKey !== header) {
          throw new SimHttpError(401, "Invalid device access key");
        }
        return { scope: "device", located };
      }
    }
  }

  #newRuntimePrng(): Prng {
    return new Prng(mixSeed(this.#options.organizations[0].seed, 0x0c0ffee));
  }

  #newRuntime(): SimRuntime {
    const prng = () => this.#runtimePrng;
    return {
      nowMs: () => this.#anchorMs + (performance.now() - this.#startedPerf),
      uuid: () => prng().uuid(),
      hex: (length: number) => prng().hex(length),
      modelsById: new Map(this.#state.models.map((m) => [m.id, m])),
    };
  }
}

/** Creates an in-process simulator (no socket); see `Simulator`. */
export function createSimulator(opts?: SimulatorOptions): Simulator {
  return new SimulatorImpl(opts);
}
