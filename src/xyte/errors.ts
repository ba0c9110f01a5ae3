/**
 * Typed failures of a Xyte API call. Each carries what an agent needs to decide what to do next: a stable
 * code, the upstream status and message, a hint, and whether retrying can help.
 */
import { scrubSecrets } from "../secret.ts";
import type { AuthScope, EndpointSpec } from "./catalog_types.ts";

export const XYTE_ERROR_CODES = [
  "auth",
  "forbidden",
  "not_found",
  "validation",
  "rate_limited",
  "upstream",
  "timeout",
  "network",
  "host_not_allowed",
  "invalid_response",
  "circuit_open",
  "cancelled",
] as const;
export type XyteErrorCode = (typeof XYTE_ERROR_CODES)[number];

export interface XyteErrorInit {
  code: XyteErrorCode;
  message: string;
  status?: number;
  endpointKey?: string;
  hint?: string;
  retriable?: boolean;
  /** Seconds the upstream asked us to wait (429/503 `Retry-After`). */
  retryAfterSeconds?: number;
  /** Whether the host itself is in trouble, when the code alone would say otherwise (see `isHostFailure`). */
  hostFailure?: boolean;
}

export class XyteError extends Error {
  override readonly name = "XyteError";
  readonly code: XyteErrorCode;
  readonly status: number | undefined;
  readonly endpointKey: string | undefined;
  readonly hint: string;
  readonly retriable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly hostFailure: boolean | undefined;

  constructor(init: XyteErrorInit) {
    super(scrubSecrets(init.message));
    this.code = init.code;
    this.status = init.status;
    this.endpointKey = init.endpointKey;
    this.hint = scrubSecrets(init.hint ?? defaultHint(init.code, init.status));
    this.retriable = init.retriable ?? RETRIABLE.has(init.code);
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.hostFailure = init.hostFailure;
  }
}

const RETRIABLE = new Set<XyteErrorCode>(["rate_limited", "upstream", "timeout", "network", "circuit_open"]);

function defaultHint(code: XyteErrorCode, status?: number): string {
  switch (code) {
    case "auth":
      return "The Xyte API key was rejected. Check that the configured key is valid and has not been revoked.";
    case "forbidden":
      return "The API key is valid but lacks permission for this operation.";
    case "not_found":
      return "No such object. Check the id; list tools return valid ids.";
    case "validation":
      // 409 and 422 also refuse what the object's state forbids (a command already done, a space with
      // children, a device already claimed): no change of arguments helps then.
      return status === 409 || status === 422
        ? "Xyte refused this as things stand. If the message names an argument, fix it; if it names a state " +
          "(already done, in use, has children, already claimed), read the object first: the same call " +
          "will be refused again."
        : "Xyte rejected the parameters. Read the message, fix the arguments and call again.";
    case "rate_limited":
      return "Xyte is rate limiting requests. Wait before retrying.";
    case "upstream":
      return "Xyte returned a server error. Retrying later may succeed.";
    case "timeout":
      return "Xyte did not answer in time. Retry, or narrow the request (smaller page, fewer items).";
    case "network":
      return "Xyte could not be reached. Check network access to the hub URL.";
    case "host_not_allowed":
      return "This server's permissions (--allow-net) do not include that host; retrying cannot help. Point " +
        "XYTE_HUB_URL/XYTE_ENTRY_URL at an allowed host, or widen the permission (see docs/running.md).";
    case "invalid_response":
      return "Xyte answered with something that is not the expected JSON. Retrying may help; report it if it persists.";
    case "circuit_open":
      return "Xyte failed repeatedly; requests are paused briefly. Retry after the cool-down.";
    case "cancelled":
      return "The call was cancelled before it finished.";
  }
}

/**
 * Where a client's keys come from: this server's settings, or the headers a client sends (multi-tenant).
 * Hints name that place, so that nobody is sent looking for a setting that does not hold their key.
 */
export type KeySource = "settings" | "headers";

/** Where each kind of key is given, by source. */
const KEY_PLACES: Record<KeySource, Record<"organization" | "partner", string>> = {
  settings: {
    organization: "XYTE_ORG_API_KEY (or XYTE_ORG_API_KEY_FILE)",
    partner: "XYTE_PARTNER_API_KEY (or XYTE_PARTNER_API_KEY_FILE)",
  },
  headers: { organization: "the X-Xyte-Api-Key header", partner: "the X-Xyte-Partner-Key header" },
};

/** "an organization API key" / "a partner API key". */
function anKey(scope: "organization" | "partner"): string {
  return `${scope === "organization" ? "an" : "a"} ${scope} API key`;
}

/** The `auth` error of an endpoint called without a key of its kind (nothing is sent): where to give one. */
export function missingKey(
  endpointKey: string,
  scope: Exclude<AuthScope, "none">,
  source: KeySource = "settings",
): XyteError {
  const [message, hint] = scope === "device"
    ? [
      `no device key given for ${endpointKey}`,
      "Device endpoints need the device's access key (device_key argument).",
    ]
    : source === "headers"
    ? [
      `this client sent no ${scope} key, which ${endpointKey} needs`,
      `This endpoint needs ${anKey(scope)}: send it in ${KEY_PLACES.headers[scope]}.`,
    ]
    : [
      `no ${scope} key configured for ${endpointKey}`,
      `This endpoint needs ${anKey(scope)}: set ${KEY_PLACES.settings[scope]}.`,
    ];
  return new XyteError({ code: "auth", endpointKey, message, hint, retriable: false });
}

/**
 * Hint for a 404 where the default ("check the id") misleads: a device read whose only parameter is the
 * device, called with that device's accepted key, answers 404 for what the device lacks (no pending command,
 * no license), not for a wrong id. Undefined elsewhere (the default hint stands).
 */
export function notFoundHint(
  { scope, method, pathParams }: Pick<EndpointSpec, "scope" | "method" | "pathParams">,
): string | undefined {
  // Reads only: a write's 404 (a command id in updateCommand's body, a telemetry report) is no empty answer.
  if (scope !== "device" || method !== "GET" || pathParams.length !== 1 || pathParams[0] !== "device_id") {
    return undefined;
  }
  return "The device has nothing of this kind now (e.g. no pending command, no license): not a wrong id " +
    "when the device key was accepted. sendTelemetry's answer says whether a command is waiting.";
}

/** Hint for a 401, naming where the key for the endpoint's scope was given. */
export function authHint(scope: AuthScope, source: KeySource = "settings"): string {
  switch (scope) {
    case "organization":
    case "partner":
      return `The ${scope} API key was rejected. Check ${
        source === "headers" ? "the key this client sends in " : ""
      }${KEY_PLACES[source][scope]}.`;
    case "device":
      return "The device access key was rejected. Pass the device's access_key returned at registration.";
    case "none":
      return "This endpoint takes no key; the rejection came from Xyte.";
  }
}

/** Maps an HTTP error status to an error code. */
export function codeForStatus(status: number): XyteErrorCode {
  if (status === 401) return "auth";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 400 || status === 409 || status === 422) return "validation";
  return "upstream";
}

/** Parses `Retry-After` (delta seconds or HTTP date) into seconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
