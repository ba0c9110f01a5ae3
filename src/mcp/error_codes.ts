/**
 * Every `structuredContent.error.code` a tool can return, with what it means for the caller. The README's error
 * table is generated from this list, and a test fails when code in `src/` uses a code missing here.
 */
import type { XyteErrorCode } from "../xyte/errors.ts";

type ToolOnlyCode =
  | "invalid_arguments"
  | "confirmation_required"
  | "confirmation_mismatch"
  | "cancelled_by_user"
  | "read_only"
  | "unknown_endpoint"
  | "ambiguous_space"
  | "partial_update"
  | "internal";

export const ERROR_CODES: { readonly [C in XyteErrorCode | ToolOnlyCode]: string } = {
  invalid_arguments: "The arguments do not match the tool's input schema; nothing was sent.",
  confirmation_required:
    "A destructive call needs `confirm` (the target id) or an accepted elicitation; nothing was sent.",
  confirmation_mismatch: "`confirm` does not name the target; nothing was sent.",
  cancelled_by_user: "The user declined the elicitation; nothing was changed.",
  read_only: "The server runs read-only and the endpoint changes data; nothing was sent.",
  unknown_endpoint: "No catalog endpoint has this key; the hint suggests the closest keys.",
  ambiguous_space: "Several spaces match the given name; pass an id or a longer path.",
  partial_update: "A multi-step update stopped part-way; the message says which steps were applied.",
  auth: "Xyte rejected the API key (401), or no key of the kind the endpoint needs was given (nothing sent).",
  forbidden: "The key lacks permission for this operation (403).",
  not_found: "No such object (404), or no space matches a name.",
  validation: "Xyte rejected the parameters (400/409/422); the message is Xyte's.",
  rate_limited: "Xyte is rate limiting (429); retriable, after the wait the hint gives.",
  upstream: "Xyte failed (5xx); retriable.",
  timeout: "Xyte did not answer within the deadline; retriable.",
  network: "Xyte could not be reached; retriable.",
  host_not_allowed: "The server's network permission does not include the Xyte host; not retriable.",
  invalid_response: "Xyte answered with something that is not the expected JSON.",
  circuit_open:
    "Xyte failed repeatedly, so calls fail fast for a short cool-down (named in the hint); retriable.",
  cancelled: "The client cancelled the call.",
  internal: "A bug in xyte-mcp; the log line with the request id has details.",
};
