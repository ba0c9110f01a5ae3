/** Response helpers of the simulated hub. Every error body is `{"error": "<message>"}`. */

/** Thrown by handlers; turned into an `{"error"}` response by the simulator. */
export class SimHttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "SimHttpError";
    this.status = status;
    this.headers = headers;
  }
}

const JSON_TYPE = "application/json; charset=utf-8";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });
}

export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: message }, status, headers);
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** `{"success": true}` — the documented answer of ticket actions, reused for other actions without a body. */
export function success(extra: Record<string, unknown> = {}): Response {
  return jsonResponse({ success: true, ...extra });
}

export function notFound(what: string): SimHttpError {
  return new SimHttpError(404, `${what} not found`);
}

export function unprocessable(message: string): SimHttpError {
  return new SimHttpError(422, message);
}
