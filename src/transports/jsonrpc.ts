/** JSON-RPC error responses for the HTTP edge. */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";

export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The answer to a request for a session that another client (another Xyte key, token or OAuth user) opened. */
export function othersSession(): Response {
  return jsonRpcError(
    403,
    -32001,
    "This session belongs to another client (another Xyte key, token or signed-in user).",
  );
}

/**
 * The error answer of a request still unanswered when the shutdown grace period ends, sent before its stream
 * closes so the client is told instead of left waiting. `inSession`: the request came in a session, which
 * ends with the server.
 */
export function shutdownAnswer(id: string | number, inSession = true): JSONRPCMessage {
  return {
    jsonrpc: "2.0",
    id,
    error: {
      code: -32000,
      message: "The server shut down before this request finished; a change it makes may or may not have " +
        `been applied. Check, then retry${inSession ? " on a new session" : ""}.`,
    },
  };
}
