/** What a route handler receives, and the route definition helpers (one per auth scope). */
import type { AuthScope, SimDevice, SimModel, SimOrganization, SimState } from "./types.ts";

/** Run-time services shared by all handlers of one simulator. */
export interface SimRuntime {
  /** Current simulated time, epoch ms (the `now` anchor plus the real time elapsed since creation). */
  nowMs(): number;
  /** A fresh UUID from the simulator's deterministic run-time PRNG. */
  uuid(): string;
  /** Hex digits from the same PRNG (access keys). */
  hex(length: number): string;
  modelsById: ReadonlyMap<string, SimModel>;
}

export interface RequestContext {
  readonly state: SimState;
  readonly runtime: SimRuntime;
  readonly url: URL;
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  readonly body: unknown;
  /** Message describing why the JSON body could not be parsed, else null. */
  readonly bodyError: string | null;
  /** Parsed multipart/form-data body, else null. */
  readonly form: FormData | null;
}

/** A device together with the organization that owns it (null while unclaimed). */
export interface LocatedDevice {
  device: SimDevice;
  org: SimOrganization | null;
}

export type Principal =
  | { scope: "organization"; org: SimOrganization }
  | { scope: "partner" }
  | { scope: "device"; located: LocatedDevice }
  | { scope: "none" };

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Awaitable<T> = T | Promise<T>;

export interface RouteDefinition {
  /** Reference endpoint key, e.g. `organization.devices.getDevice`. */
  key: string;
  method: HttpMethod;
  /** Path template with `:param` segments. */
  path: string;
  scope: AuthScope;
  /** For routes shared by two reference endpoints: picks the key from the request body. */
  resolveKey?: (body: unknown) => string;
  handle(ctx: RequestContext, principal: Principal): Awaitable<Response>;
}

export function organizationRoute(
  key: string,
  method: HttpMethod,
  path: string,
  handler: (ctx: RequestContext, org: SimOrganization) => Awaitable<Response>,
): RouteDefinition {
  return {
    key,
    method,
    path,
    scope: "organization",
    handle: (ctx, principal) => handler(ctx, (principal as { org: SimOrganization }).org),
  };
}

export function partnerRoute(
  key: string,
  method: HttpMethod,
  path: string,
  handler: (ctx: RequestContext) => Awaitable<Response>,
): RouteDefinition {
  return { key, method, path, scope: "partner", handle: (ctx) => handler(ctx) };
}

export function deviceRoute(
  key: string,
  method: HttpMethod,
  path: string,
  handler: (ctx: RequestContext, located: LocatedDevice) => Awaitable<Response>,
): RouteDefinition {
  return {
    key,
    method,
    path,
    scope: "device",
    handle: (ctx, principal) => handler(ctx, (principal as { located: LocatedDevice }).located),
  };
}

export function publicRoute(
  key: string,
  method: HttpMethod,
  path: string,
  handler: (ctx: RequestContext) => Awaitable<Response>,
): RouteDefinition {
  return { key, method, path, scope: "none", handle: (ctx) => handler(ctx) };
}
