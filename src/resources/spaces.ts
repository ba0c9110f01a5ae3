/** `xyte://spaces/{space_id}`: one space of the tree, with its path and direct children. */
import { defineResourceTemplate, type TemplateResource } from "../mcp/resource.ts";
import { callEndpoint } from "../tools/catalog.ts";
import { toSpaceRow } from "../tools/shapes.ts";
import { listSpaces } from "../tools/spaces.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireSpace } from "../xyte/wire.ts";
import { CATALOG_PAGE_SIZE, catalogPageAfter, restNote } from "../tools/rest_note.ts";

const GET_SPACE = "organization.spaces.getSpace";
const GET_SPACES = "organization.spaces.getSpaces";
/** Children a space document holds: one upstream page, asked for by size, so page 2 follows on. */
export const LISTED_CHILDREN = 100;

export function spaceUri(spaceId: string): string {
  return `xyte://spaces/${encodeURIComponent(spaceId)}`;
}

export const spaceResource: TemplateResource = defineResourceTemplate({
  name: "space",
  uriTemplate: "xyte://spaces/{space_id}",
  title: "Space",
  description: "One space of the tree (organization, site, building, floor, room): name, type, full path, " +
    `parent, and its direct children (up to ${LISTED_CHILDREN}).`,
  scope: "organization",
  variables: { space_id: "space_id" },
  async list(ctx) {
    const spaces = await ctx.directories.get(ctx.xyte, "spaces");
    return spaces.map((s) => ({ uri: spaceUri(s.id), name: s.label ?? s.id, description: s.description }));
  },
  async read({ space_id }, ctx) {
    const [spaceBody, childrenBody] = await Promise.allSettled([
      ctx.xyte.call(GET_SPACE, { path: { space_id }, signal: ctx.signal }),
      ctx.xyte.call(GET_SPACES, {
        query: { parent_id: space_id, page: 1, per_page: LISTED_CHILDREN },
        signal: ctx.signal,
      }),
    ]);
    // The space's own error (e.g. not found) says more than its children's (e.g. a rejected parent_id).
    if (spaceBody.status === "rejected") throw spaceBody.reason;
    if (childrenBody.status === "rejected") throw childrenBody.reason;
    const space = parseWire(WireSpace, spaceBody.value, GET_SPACE);
    const children = readListPage(childrenBody.value, "items", GET_SPACES);
    return {
      ...toSpaceRow(space),
      children: children.rows.map((row) => toSpaceRow(parseWire(WireSpace, row, GET_SPACES))),
      more_children: children.hasNext,
      // A document has no next page: the call that pages on, with the arguments that continue it.
      ...(children.hasNext
        ? {
          more: restNote("More children", [
            { tool: listSpaces, args: { parent: space.id, page: 2, per_page: LISTED_CHILDREN } },
            {
              tool: callEndpoint,
              args: {
                key: GET_SPACES,
                query: {
                  parent_id: space.id,
                  page: catalogPageAfter(LISTED_CHILDREN),
                  per_page: CATALOG_PAGE_SIZE,
                },
              },
            },
          ], ctx),
        }
        : {}),
    };
  },
});
