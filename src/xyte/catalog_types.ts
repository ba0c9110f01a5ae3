/** Types describing one Xyte API endpoint in the catalog. */

export type Namespace = "organization" | "partner" | "device";
export type AuthScope = "organization" | "partner" | "device" | "none";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type BaseName = "hub" | "entry";
export type BodyType = "none" | "json" | "multipart-form";
/** How a list response wraps its rows. */
export type ListEnvelope = "items" | "data" | "next_page" | "array";

export interface EndpointSpec {
  /** Stable key, `namespace.group.action` (e.g. `organization.devices.getDevice`). */
  readonly key: string;
  readonly namespace: Namespace;
  readonly group: string;
  readonly title: string;
  /** One line saying what the endpoint does, for agents. */
  readonly summary: string;
  readonly method: HttpMethod;
  readonly base: BaseName;
  /** Path template with `:param` segments. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  /**
   * The reference does not determine this endpoint's query parameters: call_endpoint passes names outside
   * `queryParams` through instead of rejecting them.
   */
  readonly openQuery?: boolean;
  readonly scope: AuthScope;
  readonly body: BodyType;
  readonly bodyFields: readonly string[];
  /**
   * The body fields describe_endpoint's call example shows, where the first three of `bodyFields` would
   * mislead an agent that follows it literally (leave out a required field, or put in one with side effects).
   */
  readonly exampleFields?: readonly string[];
  readonly mutating: boolean;
  /**
   * Deletes, cancels or deactivates something with no endpoint to undo it: every DELETE, plus
   * `organization.users.deactivateUser` (the catalog has no reactivation). Calls need confirmation.
   * Resolving a ticket, splitting or merging devices and removing group members stay non-destructive:
   * another endpoint reverses them (or, for tickets, the project treats resolving as an idempotent write).
   */
  readonly destructive?: boolean;
  /** Known response shape, informal. */
  readonly response?: string;
  readonly listEnvelope?: ListEnvelope;
  readonly constraints?: readonly string[];
}
