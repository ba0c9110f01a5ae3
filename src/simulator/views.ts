/**
 * API representations of the simulated data (snake_case, ISO-8601 timestamps).
 *
 * Shapes stated by the reference: organization Device, partner Device, License, Ticket (+ comments),
 * Organization info, Space {id, name, parent_id, config}, telemetry answer, registration answer.
 * Shapes the reference leaves open are invented here and marked "Invented shape" — they stay consistent
 * across every endpoint that returns the object.
 */
import type { SimRuntime } from "./context.ts";
import type { SpaceDirectory } from "./lookup.ts";
import type {
  EffectiveStatus,
  JsonObject,
  SimAsset,
  SimCommand,
  SimDevice,
  SimDeviceNote,
  SimFile,
  SimGroup,
  SimHistoryRow,
  SimIncident,
  SimLabel,
  SimLicense,
  SimModel,
  SimOrganization,
  SimPartner,
  SimSpace,
  SimSpaceNote,
  SimTelemetryRecord,
  SimTicket,
  SimTicketComment,
  SimUser,
} from "./types.ts";

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

const SEVERITY: Record<EffectiveStatus, number> = {
  ok: 0,
  never_seen: 1,
  warning: 2,
  disconnected: 3,
  offline: 4,
  error: 5,
};

/**
 * Rollups of merged groups: primary id → worst effective status of the primary and its shadows. Any
 * other row (standalone or shadow) reports its own effective status.
 */
export type MergeRollups = ReadonlyMap<string, EffectiveStatus>;

export function mergeRollups(devices: readonly SimDevice[]): MergeRollups {
  const rollups = new Map<string, EffectiveStatus>();
  const byId = new Map<string, SimDevice>();
  for (const d of devices) byId.set(d.id, d);
  for (const shadow of devices) {
    if (shadow.mergedInto === null) continue;
    const primary = byId.get(shadow.mergedInto);
    if (!primary) continue;
    const current = rollups.get(primary.id) ?? primary.effectiveStatus;
    rollups.set(
      primary.id,
      SEVERITY[shadow.effectiveStatus] > SEVERITY[current] ? shadow.effectiveStatus : current,
    );
  }
  return rollups;
}

export function mergedEffectiveStatus(device: SimDevice, rollups: MergeRollups): EffectiveStatus {
  return device.mergedInto === null
    ? rollups.get(device.id) ?? device.effectiveStatus
    : device.effectiveStatus;
}

function modelRef(device: SimDevice, runtime: SimRuntime): JsonObject {
  const model = runtime.modelsById.get(device.modelId);
  return { id: device.modelId, name: model?.name ?? "Unknown", sub_model: device.subModel };
}

/** Custom parameters as the hub shows them: set password "*****", unset password "", unset other null. */
export function maskedCustomParameters(
  device: SimDevice,
  model: SimModel | undefined,
): JsonObject | undefined {
  if (device.customParameters === null) return undefined;
  const out: JsonObject = {};
  const types = new Map((model?.customParameters ?? []).map((p) => [p.label, p.type]));
  for (const [label, value] of Object.entries(device.customParameters)) {
    if (types.get(label) === "password") out[label] = value === null || value === "" ? "" : "*****";
    else out[label] = value;
  }
  return out;
}

/** Organization Device (reference shape); `state` only in the single-device view. */
export function orgDeviceView(
  device: SimDevice,
  org: SimOrganization,
  spaces: SpaceDirectory,
  runtime: SimRuntime,
  options: { includeState: boolean; rollups?: MergeRollups },
): JsonObject {
  const rollups = options.rollups ?? mergeRollups(org.devices);
  const view: JsonObject = {
    id: device.id,
    name: device.name,
    sn: device.sn,
    mac: device.mac,
    cloud_id: device.cloudId,
    status: device.status,
    effective_status: device.effectiveStatus,
    merged_effective_status: mergedEffectiveStatus(device, rollups),
    last_seen_at: isoOrNull(device.lastSeenAtMs),
    details: device.details,
    model: modelRef(device, runtime),
    firmware: { version: device.firmwareVersion },
    space: device.spaceId === null
      ? null
      : { id: device.spaceId, full_path: spaces.fullPath(device.spaceId) },
  };
  if (options.includeState) view.state = device.state;
  const custom = maskedCustomParameters(device, runtime.modelsById.get(device.modelId));
  if (custom !== undefined) view.custom_parameters = custom;
  return view;
}

/** Partner Device (reference shape): no name/space, `claimed` is the owning organization's name. */
export function partnerDeviceView(
  device: SimDevice,
  org: SimOrganization | null,
  runtime: SimRuntime,
  rollups: MergeRollups = org ? mergeRollups(org.devices) : new Map(),
): JsonObject {
  return {
    id: device.id,
    sn: device.sn,
    mac: device.mac,
    cloud_id: device.cloudId,
    status: device.lastSeenAtMs === null ? null : device.status,
    effective_status: device.effectiveStatus,
    merged_effective_status: mergedEffectiveStatus(device, rollups),
    last_seen_at: isoOrNull(device.lastSeenAtMs),
    details: device.details,
    state: device.state,
    claimed: org?.name ?? null,
    model: modelRef(device, runtime),
    firmware: { version: device.firmwareVersion },
  };
}

/**
 * Invented shape — the device's own record on the device API:
 * {id, name, sn, mac, cloud_id, status, last_seen_at, details, state, model, firmware, parent_id,
 *  config_version, info_version, space_data_version, cloud_settings}.
 */
export function deviceSelfView(
  device: SimDevice,
  runtime: SimRuntime,
  spaceVersion: number | null,
): JsonObject {
  return {
    id: device.id,
    name: device.name,
    sn: device.sn,
    mac: device.mac,
    cloud_id: device.cloudId,
    status: device.status,
    last_seen_at: isoOrNull(device.lastSeenAtMs),
    details: device.details,
    state: device.state,
    model: modelRef(device, runtime),
    firmware: { version: device.firmwareVersion },
    parent_id: device.parentId,
    config_version: device.config.version,
    info_version: device.infoVersion,
    space_data_version: spaceVersion,
    cloud_settings: device.cloudSettings,
  };
}

/** Version number of a space's data as seen by devices (changes whenever the space is updated). */
export function spaceDataVersion(space: SimSpace | undefined): number | null {
  return space ? Math.floor(space.updatedAtMs / 1000) : null;
}

const SPACE_TYPES = ["organization", "site", "building", "floor"] as const;

/** Space (reference {id, name, parent_id, config}) plus invented space_type, full_path, timestamps. */
export function spaceView(space: SimSpace, spaces: SpaceDirectory): JsonObject {
  const depth = spaces.depth(space.id);
  return {
    id: space.id,
    name: space.name,
    parent_id: space.parentId,
    space_type: SPACE_TYPES[depth] ?? "room",
    full_path: spaces.fullPath(space.id),
    config: space.config,
    created_at: isoOf(space.createdAtMs),
    updated_at: isoOf(space.updatedAtMs),
  };
}

/**
 * Invented shape — Command (organization and partner views):
 * {id, device_id, name, friendly_name, status: pending|in_progress|done|failed|canceled, created_at,
 *  updated_at, extra_params, file_id, message}.
 */
export function commandView(command: SimCommand): JsonObject {
  return {
    id: command.id,
    device_id: command.deviceId,
    name: command.name,
    friendly_name: command.friendlyName,
    status: command.status,
    created_at: isoOf(command.createdAtMs),
    updated_at: isoOf(command.updatedAtMs),
    extra_params: command.extraParams,
    file_id: command.fileId,
    message: command.message,
  };
}

/** Device API command (reference: {id, device_id, status, name, parameters}); file_id joins parameters. */
export function deviceCommandView(command: SimCommand): JsonObject {
  const parameters: JsonObject = { ...command.extraParams };
  if (command.fileId !== null) parameters.file_id = command.fileId;
  return {
    id: command.id,
    device_id: command.deviceId,
    status: command.status,
    name: command.name,
    parameters,
  };
}

/**
 * Invented shape — Incident: {id, device_id, device_name, device_model, title, issue, description,
 * status: active|closed, priority, space_id, space_path, created_at, closed_at}.
 */
export function incidentView(
  incident: SimIncident,
  device: SimDevice | undefined,
  spaces: SpaceDirectory,
  runtime: SimRuntime,
): JsonObject {
  const spaceId = device?.spaceId ?? null;
  return {
    id: incident.id,
    device_id: incident.deviceId,
    device_name: device?.name ?? null,
    device_model: device ? runtime.modelsById.get(device.modelId)?.name ?? null : null,
    title: incident.title,
    issue: incident.issue,
    description: incident.description,
    status: incident.status,
    priority: incident.priority,
    space_id: spaceId,
    space_path: spaces.fullPath(spaceId),
    created_at: isoOf(incident.createdAtMs),
    closed_at: isoOrNull(incident.closedAtMs),
  };
}

/**
 * Ticket (reference: id, title, description, status, created_at, device_id, user_name, user_email)
 * plus updated_at. Comment owner_type is "Organization", "Partner" or null (system comments).
 */
export function ticketView(ticket: SimTicket, options: { withComments: boolean }): JsonObject {
  const view: JsonObject = {
    id: ticket.id,
    title: ticket.title,
    description: ticket.description,
    status: ticket.status,
    created_at: isoOf(ticket.createdAtMs),
    updated_at: isoOf(ticket.updatedAtMs),
    device_id: ticket.deviceId,
    user_name: ticket.userName,
    user_email: ticket.userEmail,
  };
  if (options.withComments) view.comments = ticket.comments.map(commentView);
  return view;
}

export function commentView(comment: SimTicketComment): JsonObject {
  return {
    id: comment.id,
    text: comment.text,
    created_at: isoOf(comment.createdAtMs),
    system: comment.system,
    user: comment.user,
    owner: comment.owner,
    owner_type: comment.ownerType,
  };
}

/** Organization info (reference shape); statistics are computed from the live state. */
export function organizationInfoView(org: SimOrganization, partner: SimPartner): JsonObject {
  return {
    id: org.id,
    name: org.name,
    created_at: isoOf(org.createdAtMs),
    lab: org.lab,
    partner: partner.name,
    domain: org.domain,
    mobile_domain: org.mobileDomain,
    pricing_plan: org.pricingPlan,
    contacts: {
      admin_email: org.contacts.adminEmail,
      admin_name: org.contacts.adminName,
      finance_email: org.contacts.financeEmail,
      finance_name: org.contacts.financeName,
    },
    statistics: {
      devices: org.devices.length,
      users: org.users.filter((u) => u.active && !u.external).length,
      groups: org.groups.length,
      spaces: org.spaces.length - 1,
      open_tickets: org.tickets.filter((t) => t.status === "open").length,
      open_incidents: org.incidents.filter((i) => i.status === "active").length,
      pending_invoices: org.pendingInvoices,
    },
  };
}

/** License (reference shape). */
export function licenseView(
  license: SimLicense,
  org: SimOrganization,
  partner: SimPartner,
  runtime: SimRuntime,
  devicesById?: ReadonlyMap<string, SimDevice>,
): JsonObject {
  const device = license.deviceId === null
    ? undefined
    : devicesById
    ? devicesById.get(license.deviceId)
    : org.devices.find((d) => d.id === license.deviceId);
  const model = license.deviceModelId === null ? undefined : runtime.modelsById.get(license.deviceModelId);
  return {
    id: license.id,
    state: license.state,
    expires_at: isoOrNull(license.expiresAtMs),
    activated_at: isoOrNull(license.activatedAtMs),
    warranty: license.warranty,
    transferable: license.transferable,
    bound_device_sn: license.boundDeviceSn,
    created_at: isoOf(license.createdAtMs),
    order_short_id: license.orderShortId,
    partner: { id: partner.id, name: partner.name },
    device: device
      ? { id: device.id, sn: device.sn }
      : license.deviceId
      ? { id: license.deviceId, sn: null }
      : null,
    product: license.product,
    device_model: model ? { id: model.id, name: model.name } : null,
  };
}

/** Invented shape — User: {id, email, name, active, external, group_ids, created_at}. */
export function userView(user: SimUser, org: SimOrganization): JsonObject {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    active: user.active,
    external: user.external,
    group_ids: org.groups.filter((g) => g.userIds.includes(user.id)).map((g) => g.id),
    created_at: isoOf(user.createdAtMs),
  };
}

/** Invented shape — Group: {id, name, user_ids, created_at}. */
export function groupView(group: SimGroup): JsonObject {
  return {
    id: group.id,
    name: group.name,
    user_ids: [...group.userIds],
    created_at: isoOf(group.createdAtMs),
  };
}

function labelRef(labels: readonly SimLabel[], id: number | null): JsonObject | null {
  if (id === null) return null;
  const label = labels.find((l) => l.id === id);
  return label ? { id: label.id, name: label.name } : null;
}

/**
 * Invented shape — Asset: {id, name, serial_number, space_id, space_path, purchased_at, comments,
 * icon_name, manufacturer, device_model, device_type, status ({id, name} labels or null), created_at,
 * updated_at}.
 */
export function assetView(asset: SimAsset, org: SimOrganization, spaces: SpaceDirectory): JsonObject {
  return {
    id: asset.id,
    name: asset.name,
    serial_number: asset.serialNumber,
    space_id: asset.spaceId,
    space_path: spaces.fullPath(asset.spaceId),
    purchased_at: asset.purchasedAt,
    comments: asset.comments,
    icon_name: asset.iconName,
    manufacturer: labelRef(org.assetLabels.manufacturer, asset.manufacturerId),
    device_model: labelRef(org.assetLabels.device_model, asset.deviceModelId),
    device_type: labelRef(org.assetLabels.device_type, asset.deviceTypeId),
    status: labelRef(org.assetLabels.status, asset.statusId),
    created_at: isoOf(asset.createdAtMs),
    updated_at: isoOf(asset.updatedAtMs),
  };
}

/** Invented shape — device Note: {id, device_id, content, author, created_at}. */
export function deviceNoteView(note: SimDeviceNote): JsonObject {
  return {
    id: note.id,
    device_id: note.deviceId,
    content: note.content,
    author: note.author,
    created_at: isoOf(note.createdAtMs),
  };
}

/** Invented shape — space Note: {id, space_id, content, author, created_at}. */
export function spaceNoteView(note: SimSpaceNote): JsonObject {
  return {
    id: note.id,
    space_id: note.spaceId,
    content: note.content,
    author: note.author,
    created_at: isoOf(note.createdAtMs),
  };
}

/**
 * Invented shape — Model: {id, name, vendor, category, sub_models, authentication_method, api_version,
 * edge_proxy, edge_managed, custom_parameters [{label, type}], commands [{name, friendly_name}],
 * latest_firmware_version, created_at}.
 */
export function modelView(model: SimModel): JsonObject {
  return {
    id: model.id,
    name: model.name,
    vendor: model.vendor,
    category: model.category,
    sub_models: [...model.subModels],
    authentication_method: model.authentication,
    api_version: model.apiVersion,
    edge_proxy: model.isEdgeProxy,
    edge_managed: model.edgeManaged,
    custom_parameters: model.customParameters.map((p) => ({ label: p.label, type: p.type })),
    commands: model.commands.map((c) => ({ name: c.name, friendly_name: c.friendlyName })),
    latest_firmware_version: model.firmwareVersions[model.firmwareVersions.length - 1],
    created_at: isoOf(model.createdAtMs),
  };
}

/**
 * Invented shape — Edge (an edge proxy device): {id, name, sn, mac, status, effective_status,
 * last_seen_at, firmware {version}, space {id, full_path}, ip_address, managed_devices_count}.
 */
export function edgeView(device: SimDevice, org: SimOrganization, spaces: SpaceDirectory): JsonObject {
  return {
    id: device.id,
    name: device.name,
    sn: device.sn,
    mac: device.mac,
    status: device.status,
    effective_status: device.effectiveStatus,
    last_seen_at: isoOrNull(device.lastSeenAtMs),
    firmware: { version: device.firmwareVersion },
    space: device.spaceId === null
      ? null
      : { id: device.spaceId, full_path: spaces.fullPath(device.spaceId) },
    ip_address: typeof device.details?.ip_address === "string" ? device.details.ip_address : null,
    managed_devices_count: org.devices.filter((d) => d.proxyId === device.id).length,
  };
}

/**
 * Invented shape — history row, modelled on the docs example (uuid, name, model, partner, space_id,
 * state{status}, created_at) plus id, device_id and status.
 */
export function historyRowView(row: SimHistoryRow, partner: SimPartner): JsonObject {
  return {
    id: row.id,
    device_id: row.deviceId,
    uuid: row.deviceId,
    name: row.deviceName,
    model: row.modelName,
    partner: partner.name,
    space_id: row.spaceId,
    status: row.status,
    state: row.state,
    created_at: isoOf(row.createdAtMs),
  };
}

/** Invented shape — telemetry record (partner): {id, device_id, status, telemetries, created_at}. */
export function telemetryView(record: SimTelemetryRecord, deviceId: string): JsonObject {
  return {
    id: record.id,
    device_id: deviceId,
    status: record.status,
    telemetries: record.telemetries,
    created_at: isoOf(record.createdAtMs),
  };
}

/**
 * Invented shape — remote file: {id, name, mime_type, size, version, url, created_at}; the url points at
 * a reserved `.invalid` host (the simulator serves no file content).
 */
export function fileView(file: SimFile): JsonObject {
  return {
    id: file.id,
    name: file.name,
    mime_type: file.mimeType,
    size: file.size,
    version: file.version,
    url: `https://files.xyte-sim.invalid/${file.id}/${encodeURIComponent(file.name)}`,
    created_at: isoOf(file.createdAtMs),
  };
}

/** Device configuration (reference: {version, last_updated, name, config, device_id}). */
export function configView(device: SimDevice): JsonObject {
  return {
    version: device.config.version,
    last_updated: isoOf(device.config.lastUpdatedMs),
    name: device.name,
    config: device.config.values,
    device_id: device.id,
  };
}
