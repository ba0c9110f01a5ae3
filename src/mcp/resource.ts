/**
 * What a resource is: a typed, transport-free reader of one JSON document (`read`) plus what an MCP client
 * sees about it (URI or URI template, title, description). Templates also say how each variable completes
 * and, when listing their instances is cheap enough, how to list them.
 */
import type { XyteClient } from "../xyte/client.ts";
import type { CompletionSource } from "./completion.ts";
import type { DirectoryCache } from "../resources/directory.ts";

/** Every resource is a JSON document. */
export const RESOURCE_MIME_TYPE = "application/json";

/** What a resource may use while it is read or listed. */
export interface ResourceContext {
  xyte: XyteClient;
  /** Aborted when the client cancels the request or the transport closes. */
  signal: AbortSignal;
  /** Live devices, spaces and open tickets of this client, cached briefly (for list callbacks). */
  directories: DirectoryCache;
}

/** What a resource may use while it is read: also which tools the reading server exposes. */
export interface ResourceReadContext extends ResourceContext {
  /**
   * Whether the server serving the read exposes `tool`: a document that holds less than there is names only a
   * tool the agent can call to get the rest (see tools/rest_note.ts).
   */
  exposes(tool: string): boolean;
}

/** One instance a template's list callback announces. */
export interface ListedResource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
}

interface ResourceBase {
  /** Identifier of the registration (shown as `name` in resources/templates/list). */
  readonly name: string;
  readonly title: string;
  /** Tells an agent what the document holds and when to attach it. */
  readonly description: string;
  /** The key it reads with: organization resources are hidden when no organization key is configured. */
  readonly scope: "organization" | "none";
  /**
   * Top-level fields of the document computed from the clock at each read (a rolling window's bounds), not
   * from what Xyte holds. A subscription does not compare them: they differ at every read, so the document
   * would look changed at every poll (subscriptions.ts).
   */
  readonly clockFields?: readonly string[];
}

/** A resource at one fixed URI, e.g. `xyte://organization`. */
export interface FixedResource extends ResourceBase {
  readonly kind: "fixed";
  readonly uri: string;
  read(ctx: ResourceReadContext): Promise<unknown>;
}

/** A family of resources under a URI template, e.g. `xyte://devices/{device_id}`. */
export interface TemplateResource extends ResourceBase {
  readonly kind: "template";
  readonly uriTemplate: string;
  /** How each template variable completes. */
  readonly variables: Readonly<Record<string, CompletionSource>>;
  /** Announces a bounded set of instances in resources/list; absent when listing would only repeat another. */
  list?(ctx: ResourceContext): Promise<ListedResource[]>;
  /** Reads one instance; `variables` are URI-decoded. */
  read(variables: Readonly<Record<string, string>>, ctx: ResourceReadContext): Promise<unknown>;
}

export type ResourceDefinition = FixedResource | TemplateResource;

/** Declares a fixed resource. */
export function defineFixedResource(spec: Omit<FixedResource, "kind">): FixedResource {
  return { kind: "fixed", ...spec };
}

/** Declares a resource template; `read` receives exactly the declared variables. */
export function defineResourceTemplate<V extends string>(spec: {
  name: string;
  title: string;
  description: string;
  scope: "organization" | "none";
  clockFields?: readonly string[];
  uriTemplate: string;
  variables: Readonly<Record<V, CompletionSource>>;
  list?(ctx: ResourceContext): Promise<ListedResource[]>;
  read(variables: Readonly<Record<V, string>>, ctx: ResourceReadContext): Promise<unknown>;
}): TemplateResource {
  const names = [...spec.uriTemplate.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!).sort();
  const declared = Object.keys(spec.variables).sort();
  if (names.join() !== declared.join()) {
    throw new Error(`${spec.name}: variables ${declared.join(", ")} do not match ${spec.uriTemplate}`);
  }
  return {
    kind: "template",
    ...spec,
    read: (variables, ctx) => spec.read(variables as Readonly<Record<V, string>>, ctx),
  };
}
