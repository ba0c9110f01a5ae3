/**
 * Types of the simulated Xyte hub: public options, the request log, fault specs and the in-memory data
 * model. The data model is internal (camelCase; every `...AtMs` timestamp is epoch milliseconds) — API
 * responses (snake_case, ISO-8601 timestamps) are produced from it by `views.ts`.
 */

// ---------------------------------------------------------------------------------------------------------
// Public options and records
// ---------------------------------------------------------------------------------------------------------

export interface SimOrganizationOptions {
  /** Organization API key (raw `Authorization` value). */
  key: string;
  name?: string;
  /** Seed of the organization's generated data (default 42). */
  seed?: number;
  /** Number of generated devices (default 250). */
  deviceCount?: number;
}

export interface SimulatorOptions {
  /** Default: one organization, key DEMO_ORG_KEY, seed 42, 250 devices. */
  organizations?: SimOrganizationOptions[];
  /** Default DEMO_PARTNER_KEY; the partner sees the devices of all organizations. */
  partnerKey?: string;
  /** Anchor for generated timestamps (default: current time). */
  now?: Date;
  /** Listening host of `startSimulator` (default "127.0.0.1"). */
  hostname?: string;
  /** Listening port of `startSimulator` (default 0 = ephemeral). */
  port?: number;
}

export type AuthScope = "organization" | "partner" | "device" | "none";

export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  /** Arrival time, epoch milliseconds. */
  at: number;
  method: string;
  path: string;
  /** Query string without the leading `?` ("" when absent). */
  query: string;
  /** Reference endpoint key of the matched route, null when no route matched. */
  endpointKey: string | null;
  /** Auth scope of the matched route, null when no route matched. */
  scope: AuthScope | null;
  /** Whether the request passed authentication (always true for scope "none"). */
  authorized: boolean;
  /** Status sent; 0 while no answer has been sent (pending, hung or dropped). */
  status: number;
  /** Parsed JSON body, raw text for non-JSON bodies, `{multipart: [field names]}` for form uploads. */
  body?: unknown;
}

export interface FaultSpec {
  // Matchers (all optional, ANDed; a spec without matchers matches every API request).
  endpointKey?: string;
  method?: string;
  pathPrefix?: string;
  /** `name=value` pairs (URL query syntax, e.g. `page=1`) each of which the request's query must hold. */
  query?: string;
  // Effects.
  /** Status of the synthetic answer (default 429 when only `retryAfter` is set, else 500). */
  status?: number;
  /** Raw body of the synthetic answer (default `{"error":"Simulated fault"}`). */
  body?: string;
  /** Content-Type of the synthetic answer (default: text/html when `body` starts with "<", else JSON). */
  contentType?: string;
  /** Value of the `Retry-After` header. */
  retryAfter?: string | number;
  /** Delay before answering; alone it delays the normal answer. */
  delayMs?: number;
  /** Never answer until the client aborts (or the server closes). */
  hang?: boolean;
  /** Number of matching requests the fault applies to (default: unlimited). */
  times?: number;
  /** Probability (0..1) that a matching request is affected; drawn from a deterministic PRNG. */
  probability?: number;
  /** In process: `handle()` rejects with a TypeError; over a socket: headers are sent, then the body errors. */
  dropConnection?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Data model
// ---------------------------------------------------------------------------------------------------------

export type DeviceStatus = "online" | "offline" | "error";
export type EffectiveStatus = "ok" | "offline" | "error" | "warning" | "disconnected" | "never_seen";
export type CommandStatus = "pending" | "in_progress" | "done" | "failed" | "canceled";
export type IncidentStatus = "active" | "closed";
export type IncidentPriority = "critical" | "high" | "moderate" | "low" | "planning";
export type TicketStatus = "open" | "resolved";
/** License states; "disable" can appear in data but is not accepted as a filter. */
export type LicenseState = "available" | "inuse" | "remove" | "error" | "disabled" | "renew" | "disable";
export type AssetLabelCategory = "manufacturer" | "device_model" | "device_type" | "status";
export type JsonObject = Record<string, unknown>;

export interface SimCustomParameterDefinition {
  label: string;
  type: "string" | "password";
}

export interface SimModel {
  id: string;
  name: string;
  vendor: string;
  /** Device category, e.g. "Video Bar". */
  category: string;
  subModels: string[];
  /** How a device of this model proves its identity when claimed/registered. */
  authentication: "mac_sn" | "cloud_id";
  /** Device API version of the model (1.0.1 .. 1.0.7). */
  apiVersion: string;
  /** Secret the device firmware sends as `hardware_key` on registration. */
  hardwareKey: string;
  /** Known firmware versions, oldest first; the last one is the latest. */
  firmwareVersions: string[];
  /** The model is an edge proxy (listed by getEdges). */
  isEdgeProxy: boolean;
  /** Devices of this model are reached through an edge proxy and carry custom parameters. */
  edgeManaged: boolean;
  customParameters: SimCustomParameterDefinition[];
  commands: { name: string; friendlyName: string }[];
  createdAtMs: number;
}

export interface SimSpace {
  id: number;
  name: string;
  /** null only for the organization's root space. */
  parentId: number | null;
  config: JsonObject;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SimCommand {
  id: string;
  deviceId: string;
  name: string;
  friendlyName: string;
  status: CommandStatus;
  extraParams: JsonObject;
  fileId: string | null;
  /** Last progress message reported by the device. */
  message: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SimTelemetryRecord {
  id: string;
  status: DeviceStatus;
  telemetries: JsonObject;
  createdAtMs: number;
}

export interface SimDeviceEvent {
  id: string;
  name: string;
  category: string | null;
  values: JsonObject;
  createdAtMs: number;
}

export interface SimDump {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
  chunks: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SimDeviceConfig {
  version: number;
  lastUpdatedMs: number;
  values: JsonObject;
}

export interface SimDevice {
  id: string;
  name: string;
  sn: string;
  mac: string | null;
  cloudId: string | null;
  modelId: string;
  subModel: string | null;
  firmwareVersion: string;
  status: DeviceStatus;
  effectiveStatus: EffectiveStatus;
  /** null when the device was never seen. */
  lastSeenAtMs: number | null;
  details: JsonObject | null;
  state: JsonObject;
  /** Space of the organization; null while unclaimed. */
  spaceId: number | null;
  /** Device-scope key (`Authorization` value for /v1/devices/:id/*). */
  accessKey: string;
  /** Parent device (child devices registered through registerChildDevice). */
  parentId: string | null;
  /** Edge proxy device managing this device (edge-managed models). */
  proxyId: string | null;
  hostAddress: string | null;
  /** Raw custom parameter values (edge-managed devices only; null otherwise). */
  customParameters: Record<string, string | null> | null;
  /** Primary device this device is merged into (shadow row), null otherwise. */
  mergedInto: string | null;
  incidentsSuspended: boolean;
  config: SimDeviceConfig;
  /** Bumped whenever the device record changes on the hub side (name, details, move). */
  infoVersion: number;
  cloudSettings: JsonObject;
  commands: SimCommand[];
  telemetries: SimTelemetryRecord[];
  events: SimDeviceEvent[];
  dumps: SimDump[];
  createdAtMs: number;
}

export interface SimIncident {
  id: string;
  deviceId: string;
  title: string;
  issue: string;
  description: string;
  status: IncidentStatus;
  priority: IncidentPriority;
  /** Whether the device itself opened the incident (device API) rather than the platform. */
  openedByDevice: boolean;
  createdAtMs: number;
  closedAtMs: number | null;
}

export interface SimTicketComment {
  id: number;
  text: string;
  createdAtMs: number;
  system: boolean;
  user: string | null;
  owner: string | null;
  ownerType: "Organization" | "Partner" | null;
}

export interface SimTicket {
  id: string;
  title: string;
  description: string;
  status: TicketStatus;
  deviceId: string | null;
  userName: string;
  userEmail: string;
  comments: SimTicketComment[];
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SimUser {
  id: number;
  email: string;
  name: string;
  active: boolean;
  /** Added through addExternalUserToGroup (not a member of the organization's directory). */
  external: boolean;
  welcomeEmailsSent: number;
  createdAtMs: number;
}

export interface SimGroup {
  id: number;
  name: string;
  userIds: number[];
  createdAtMs: number;
}

export interface SimLabel {
  id: number;
  name: string;
}

export interface SimAsset {
  id: number;
  name: string;
  serialNumber: string | null;
  spaceId: number | null;
  purchasedAt: string | null;
  comments: string | null;
  iconName: string | null;
  manufacturerId: number | null;
  deviceModelId: number | null;
  deviceTypeId: number | null;
  statusId: number | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SimLicense {
  id: string;
  state: LicenseState;
  expiresAtMs: number | null;
  activatedAtMs: number | null;
  warranty: boolean;
  transferable: boolean;
  boundDeviceSn: string | null;
  orderShortId: string | null;
  deviceId: string | null;
  product: { id: string; name: string } | null;
  deviceModelId: string | null;
  createdAtMs: number;
}

export interface SimDeviceNote {
  id: number;
  deviceId: string;
  content: string;
  author: string;
  createdAtMs: number;
}

export interface SimSpaceNote {
  id: number;
  spaceId: number;
  content: string;
  author: string;
  createdAtMs: number;
}

export interface SimFile {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  modelId: string | null;
  version: string | null;
  createdAtMs: number;
}

/** A ping or claim started through an edge proxy. */
export interface SimEdgeJob {
  kind: "ping" | "claim";
  proxyId: string;
  deviceIp: string;
  startedAtMs: number;
  /** Claim result ("success"/"failed") or ping status ("online"/"offline"). */
  result: string;
}

/** One row of device state history (a snapshot of the device when its status was recorded). */
export interface SimHistoryRow {
  id: number;
  deviceId: string;
  deviceName: string;
  modelName: string;
  spaceId: number | null;
  status: DeviceStatus;
  state: JsonObject;
  createdAtMs: number;
}

/**
 * One tenant. The collections (spaces ... history) of seeded organizations are generated on first access,
 * so creating a simulator is cheap; reading any of them materializes all of them at once.
 */
export interface SimOrganization {
  id: string;
  key: string;
  name: string;
  seed: number;
  createdAtMs: number;
  lab: boolean;
  domain: string;
  mobileDomain: string;
  pricingPlan: string;
  contacts: { adminEmail: string; adminName: string; financeEmail: string; financeName: string };
  pendingInvoices: number;
  rootSpaceId: number;
  /** Next integer id handed out for this organization's objects (spaces, users, notes, comments, ...). */
  nextIntegerId: number;
  spaces: SimSpace[];
  devices: SimDevice[];
  incidents: SimIncident[];
  tickets: SimTicket[];
  users: SimUser[];
  groups: SimGroup[];
  assets: SimAsset[];
  assetLabels: Record<AssetLabelCategory, SimLabel[]>;
  licenses: SimLicense[];
  deviceNotes: SimDeviceNote[];
  spaceNotes: SimSpaceNote[];
  files: SimFile[];
  edgeJobs: SimEdgeJob[];
  /** State history, newest first. Generated lazily on first access (cheap cold start). */
  history: SimHistoryRow[];
}

export interface SimPartner {
  id: string;
  name: string;
  key: string;
}

export interface SimState {
  partner: SimPartner;
  models: SimModel[];
  organizations: SimOrganization[];
  /** Registered devices not claimed by any organization (visible to the partner only). */
  unclaimedDevices: SimDevice[];
}
