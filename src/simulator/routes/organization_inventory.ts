/** Organization API: assets (+ labels), licenses and device models. */
import { organizationRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { organizationList } from "../envelopes.ts";
import { jsonResponse, notFound, success, unprocessable } from "../http.ts";
import { allocateIntegerId } from "../ids.ts";
import { pathInteger, SpaceDirectory } from "../lookup.ts";
import type {
  AssetLabelCategory,
  JsonObject,
  LicenseState,
  SimAsset,
  SimLicense,
  SimOrganization,
} from "../types.ts";
import {
  bodyObject,
  isPlainObject,
  optionalString,
  parseIsoTime,
  parsePaging,
  queryBoolean,
  queryInteger,
  requireString,
  toInteger,
} from "../validate.ts";
import { assetView, licenseView, modelView } from "../views.ts";

const ORG = "/core/v1/organization";
const LABEL_CATEGORIES: readonly AssetLabelCategory[] = [
  "manufacturer",
  "device_model",
  "device_type",
  "status",
];

// --- assets --------------------------------------------------------------------------------------------

function requireAsset(org: SimOrganization, raw: string): SimAsset {
  const id = pathInteger(raw, "Asset");
  const asset = org.assets.find((a) => a.id === id);
  if (!asset) throw notFound("Asset");
  return asset;
}

/** A label given as `{id}` (must exist) or as a name (resolved case-insensitively, created when new). */
function resolveLabel(org: SimOrganization, category: AssetLabelCategory, value: unknown): number | null {
  if (value === null) return null;
  const labels = org.assetLabels[category];
  if (isPlainObject(value)) {
    const id = toInteger(value.id, `${category}.id`);
    const label = labels.find((l) => l.id === id);
    if (!label) throw unprocessable(`Unknown ${category} label id`);
    return label.id;
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw unprocessable(`${category} must be {id} or a non-empty name`);
  }
  const name = value.trim();
  const existing = labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (existing) return existing.id;
  const label = { id: allocateIntegerId(org), name };
  labels.push(label);
  return label.id;
}

const LABEL_FIELDS = {
  manufacturer: "manufacturerId",
  device_model: "deviceModelId",
  device_type: "deviceTypeId",
  status: "statusId",
} as const;

/** Validates and applies asset fields; `creating` requires a name. */
function applyAssetFields(org: SimOrganization, asset: SimAsset, body: JsonObject, creating: boolean): void {
  const name = creating ? requireString(body, "name") : optionalString(body, "name");
  if (name !== undefined && (name === null || name.trim() === "")) {
    throw unprocessable("name must not be blank");
  }
  const spaceId = toInteger(body.space_id, "space_id");
  if (spaceId !== undefined) new SpaceDirectory(org).require(spaceId);
  const purchasedAt = optionalString(body, "purchased_at");
  if (purchasedAt) parseIsoTime(purchasedAt, "purchased_at");
  const serial = optionalString(body, "serial_number");
  const comments = optionalString(body, "comments");
  const icon = optionalString(body, "icon_name");
  // Resolve labels last: they may create new labels, which must not happen for an invalid request.
  const labels: Partial<Record<AssetLabelCategory, number | null>> = {};
  for (const category of LABEL_CATEGORIES) {
    if (body[category] !== undefined) labels[category] = resolveLabel(org, category, body[category]);
  }
  if (name) asset.name = name.trim();
  if (spaceId !== undefined) asset.spaceId = spaceId;
  else if (body.space_id === null) asset.spaceId = null;
  if (purchasedAt !== undefined) asset.purchasedAt = purchasedAt;
  if (serial !== undefined) asset.serialNumber = serial;
  if (comments !== undefined) asset.comments = comments;
  if (icon !== undefined) asset.iconName = icon;
  for (const category of LABEL_CATEGORIES) {
    const id = labels[category];
    if (id !== undefined) asset[LABEL_FIELDS[category]] = id;
  }
}

function getAssets(ctx: RequestContext, org: SimOrganization): Response {
  const q = ctx.query;
  const spaces = new SpaceDirectory(org);
  const name = q.get("name")?.toLowerCase();
  const serial = q.get("serial_number")?.toLowerCase();
  const spaceId = queryInteger(q, "space_id");
  const within = spaceId === undefined ? null : spaces.subtree(spaceId);
  const rows = org.assets.filter((a) =>
    (!name || a.name.toLowerCase().includes(name)) &&
    (!serial || (a.serialNumber ?? "").toLowerCase().includes(serial)) &&
    (within === null || (a.spaceId !== null && within.has(a.spaceId)))
  );
  return organizationList(q, rows, (a) => assetView(a, org, spaces));
}

function getAsset(ctx: RequestContext, org: SimOrganization): Response {
  return jsonResponse(assetView(requireAsset(org, ctx.params.asset_id), org, new SpaceDirectory(org)));
}

function createAsset(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const nowMs = ctx.runtime.nowMs();
  const asset: SimAsset = {
    id: 0,
    name: "",
    serialNumber: null,
    spaceId: null,
    purchasedAt: null,
    comments: null,
    iconName: null,
    manufacturerId: null,
    deviceModelId: null,
    deviceTypeId: null,
    statusId: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  applyAssetFields(org, asset, body, true);
  asset.id = allocateIntegerId(org);
  org.assets.push(asset);
  return jsonResponse(assetView(asset, org, new SpaceDirectory(org)), 201);
}

function updateAsset(ctx: RequestContext, org: SimOrganization): Response {
  const asset = requireAsset(org, ctx.params.asset_id);
  applyAssetFields(org, asset, bodyObject(ctx.body, ctx.bodyError), false);
  asset.updatedAtMs = ctx.runtime.nowMs();
  return jsonResponse(assetView(asset, org, new SpaceDirectory(org)));
}

function deleteAsset(ctx: RequestContext, org: SimOrganization): Response {
  const asset = requireAsset(org, ctx.params.asset_id);
  org.assets = org.assets.filter((a) => a !== asset);
  return success();
}

function getAssetLabels(ctx: RequestContext, org: SimOrganization): Response {
  const category = ctx.params.category as AssetLabelCategory;
  if (!LABEL_CATEGORIES.includes(category)) {
    throw unprocessable(`category must be one of: ${LABEL_CATEGORIES.join(", ")}`);
  }
  return jsonResponse({ items: org.assetLabels[category].map((l) => ({ id: l.id, name: l.name })) });
}

// --- licenses ------------------------------------------------------------------------------------------

const FILTERABLE_LICENSE_STATES: readonly LicenseState[] = [
  "available",
  "inuse",
  "remove",
  "error",
  "disabled",
  "renew",
];

function licenseStates(q: URLSearchParams): Set<string> | null {
  const raw = [...q.getAll("state"), ...q.getAll("state[]")].flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  if (raw.length === 0) return null;
  for (const state of raw) {
    if (!(FILTERABLE_LICENSE_STATES as readonly string[]).includes(state)) {
      throw unprocessable(`state must be one of: ${FILTERABLE_LICENSE_STATES.join(", ")}`);
    }
  }
  return new Set(raw);
}

function getLicenses(ctx: RequestContext, org: SimOrganization): Response {
  const q = ctx.query;
  const paging = parsePaging(q);
  const states = licenseStates(q);
  const assigned = queryBoolean(q, "assigned");
  const warranty = queryBoolean(q, "warranty");
  const transferable = queryBoolean(q, "transferable");
  const before = q.get("expires_before");
  const after = q.get("expires_after");
  const beforeMs = before ? parseIsoTime(before, "expires_before") : undefined;
  const afterMs = after ? parseIsoTime(after, "expires_after") : undefined;
  const exact: [string, (l: SimLicense) => string | null][] = [
    ["device_id", (l) => l.deviceId],
    ["product_id", (l) => l.product?.id ?? null],
    ["device_model_id", (l) => l.deviceModelId],
    ["bound_device_sn", (l) => l.boundDeviceSn],
    ["order_short_id", (l) => l.orderShortId],
  ];
  const wanted = exact.map(([name, get]) => [q.get(name), get] as const).filter(([value]) => value !== null);
  const rows = org.licenses.filter((l) =>
    (states === null || states.has(l.state)) &&
    (assigned === undefined || (l.deviceId !== null || l.boundDeviceSn !== null) === assigned) &&
    (warranty === undefined || l.warranty === warranty) &&
    (transferable === undefined || l.transferable === transferable) &&
    (beforeMs === undefined || (l.expiresAtMs !== null && l.expiresAtMs <= beforeMs)) &&
    (afterMs === undefined || (l.expiresAtMs !== null && l.expiresAtMs >= afterMs)) &&
    wanted.every(([value, get]) => get(l) === value)
  ).sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const start = (paging.page - 1) * paging.perPage;
  const devicesById = new Map(org.devices.map((d) => [d.id, d]));
  return jsonResponse({
    items: rows.slice(start, start + paging.perPage).map((l) =>
      licenseView(l, org, ctx.state.partner, ctx.runtime, devicesById)
    ),
    next_page: start + paging.perPage < rows.length ? paging.page + 1 : null,
  });
}

// --- models --------------------------------------------------------------------------------------------

function getModels(ctx: RequestContext, _org: SimOrganization): Response {
  const search = ctx.query.get("search")?.toLowerCase();
  // edge_only=true: the models that can be claimed through an edge proxy.
  const edgeOnly = queryBoolean(ctx.query, "edge_only");
  const rows = ctx.state.models.filter((m) =>
    (!search || `${m.name} ${m.vendor} ${m.category}`.toLowerCase().includes(search)) &&
    (!edgeOnly || m.edgeManaged)
  );
  return organizationList(ctx.query, rows, modelView);
}

function getModel(ctx: RequestContext, _org: SimOrganization): Response {
  const model = ctx.runtime.modelsById.get(ctx.params.id);
  if (!model) throw notFound("Model");
  return jsonResponse(modelView(model));
}

export const organizationInventoryRoutes: RouteDefinition[] = [
  organizationRoute("organization.assets.getAssets", "GET", `${ORG}/assets`, getAssets),
  organizationRoute("organization.assets.createAsset", "POST", `${ORG}/assets`, createAsset),
  organizationRoute(
    "organization.assets.getAssetLabels",
    "GET",
    `${ORG}/assets/labels/:category`,
    getAssetLabels,
  ),
  organizationRoute("organization.assets.getAsset", "GET", `${ORG}/assets/:asset_id`, getAsset),
  organizationRoute("organization.assets.updateAsset", "PUT", `${ORG}/assets/:asset_id`, updateAsset),
  organizationRoute("organization.assets.deleteAsset", "DELETE", `${ORG}/assets/:asset_id`, deleteAsset),
  organizationRoute("organization.licenses.getLicenses", "GET", `${ORG}/licenses`, getLicenses),
  organizationRoute("organization.models.getModels", "GET", `${ORG}/models`, getModels),
  organizationRoute("organization.models.getModel", "GET", `${ORG}/models/:id`, getModel),
];
