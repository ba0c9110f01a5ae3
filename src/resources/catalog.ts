/** `xyte://catalog/{key}`: what one Xyte endpoint does and takes, from the built-in catalog (no upstream call). */
import { defineResourceTemplate, type TemplateResource } from "../mcp/resource.ts";
import { ToolFailure } from "../mcp/results.ts";
import { ENDPOINTS, findEndpoint, suggestKeys } from "../xyte/catalog.ts";

export function catalogUri(key: string): string {
  return `xyte://catalog/${encodeURIComponent(key)}`;
}

export const catalogResource: TemplateResource = defineResourceTemplate({
  name: "catalog_endpoint",
  uriTemplate: "xyte://catalog/{key}",
  title: "Xyte endpoint",
  description: "One endpoint of the Xyte API from the built-in catalog: method, path, parameters, auth " +
    "scope, body fields, whether it changes data, response shape and known constraints.",
  scope: "none",
  variables: { key: "endpoint_key" },
  list() {
    return Promise.resolve(ENDPOINTS.map((e) => ({
      uri: catalogUri(e.key),
      name: e.key,
      title: e.title,
      description: e.summary,
    })));
  },
  async read({ key }) {
    const spec = findEndpoint(key);
    if (!spec) {
      throw new ToolFailure({
        code: "not_found",
        message: `no endpoint ${JSON.stringify(key)} in the catalog`,
        hint: `Did you mean ${suggestKeys(key).join(", ")}?`,
        retriable: false,
      });
    }
    // The same document describe_endpoint returns (snake_case, with a call example), so an agent reading
    // either sees one shape. Loaded on first read: the catalog tools are not needed to start.
    const { describeSpec } = await import("../tools/catalog.ts");
    return describeSpec(spec, false);
  },
});
