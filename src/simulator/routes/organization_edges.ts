/**
 * Organization API: edge proxies. Pings and claims complete instantly: a ping reaches any private IPv4
 * address (10/8, 172.16/12, 192.168/16; not .0/.255) or a hostname, and a claim creates the device at once.
 */
import { organizationRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { newDevice, normalizeMac } from "../device_ops.ts";
import { organizationList } from "../envelopes.ts";
import { jsonResponse, noContent, SimHttpError, success, unprocessable } from "../http.ts";
import { requireOrgDevice, SpaceDirectory } from "../lookup.ts";
import type { SimDevice, SimEdgeJob, SimOrganization } from "../types.ts";
import {
  bodyObject,
  optionalBoolean,
  optionalObject,
  optionalString,
  requireInteger,
  requireString,
} from "../validate.ts";
import { edgeView } from "../views.ts";

const EDGES = "/core/v1/organization/edges";
const HOST_CHARS = /^[A-Za-z0-9.-]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isEdgeProxy(ctx: RequestContext, device: SimDevice): boolean {
  return ctx.runtime.modelsById.get(device.modelId)?.isEdgeProxy === true;
}

/** Whether a simulated ping from the proxy reaches `address`. */
function reachable(address: string): boolean {
  const m = IPV4.exec(address);
  if (!m) return /[A-Za-z]/.test(address);
  const [a, b, , d] = m.slice(1).map(Number);
  if ([a, b, d].some((n) => n > 255) || d === 0 || d === 255) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function validAddress(address: string): boolean {
  const m = IPV4.exec(address);
  return m ? m.slice(1).every((n) => Number(n) <= 255) : HOST_CHARS.test(address) && /[A-Za-z]/.test(address);
}

function requireProxy(ctx: RequestContext, org: SimOrganization, proxyId: string): SimDevice {
  const proxy = org.devices.find((d) => d.id === proxyId && isEdgeProxy(ctx, d));
  if (!proxy) throw unprocessable("proxy_id is not an edge proxy of this organization");
  return proxy;
}

function latestJob(
  org: SimOrganization,
  kind: SimEdgeJob["kind"],
  proxyId: string,
  ip: string,
): SimEdgeJob | undefined {
  for (let i = org.edgeJobs.length - 1; i >= 0; i--) {
    const job = org.edgeJobs[i];
    if (job.kind === kind && job.proxyId === proxyId && job.deviceIp === ip) return job;
  }
  return undefined;
}

function getEdges(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const edges = org.devices.filter((d) => isEdgeProxy(ctx, d));
  return organizationList(ctx.query, edges, (d) => edgeView(d, org, spaces));
}

function startPing(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const proxy = requireProxy(ctx, org, requireString(body, "proxy_id"));
  const ip = requireString(body, "device_ip").trim();
  if (!validAddress(ip)) throw unprocessable("device_ip is invalid");
  if (proxy.effectiveStatus !== "ok" && proxy.effectiveStatus !== "warning") {
    throw unprocessable("Edge proxy is unreachable");
  }
  org.edgeJobs.push({
    kind: "ping",
    proxyId: proxy.id,
    deviceIp: ip,
    startedAtMs: ctx.runtime.nowMs(),
    result: reachable(ip) ? "online" : "offline",
  });
  return noContent();
}

function jobQuery(ctx: RequestContext): { proxyId: string; ip: string } {
  const proxyId = ctx.query.get("proxy_id");
  const ip = ctx.query.get("device_ip");
  if (!proxyId) throw unprocessable("proxy_id is required");
  if (!ip) throw unprocessable("device_ip is required");
  return { proxyId, ip };
}

function getPingStatus(ctx: RequestContext, org: SimOrganization): Response {
  const { proxyId, ip } = jobQuery(ctx);
  const job = latestJob(org, "ping", proxyId, ip);
  if (!job) throw unprocessable("No ping started for this device_ip");
  return jsonResponse({ status: job.result });
}

/** skip_connectivity_check=false requires an earlier successful ping of the address through the proxy. */
function requireConnectivity(org: SimOrganization, proxyId: string | null, ip: string): boolean {
  for (let i = org.edgeJobs.length - 1; i >= 0; i--) {
    const job = org.edgeJobs[i];
    if (job.kind === "ping" && job.deviceIp === ip && (proxyId === null || job.proxyId === proxyId)) {
      return job.result === "online";
    }
  }
  return false;
}

function startClaim(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const proxy = requireProxy(ctx, org, requireString(body, "proxy_id"));
  const ip = requireString(body, "device_ip").trim();
  if (!validAddress(ip)) throw unprocessable("device_ip is invalid");
  const model = ctx.runtime.modelsById.get(requireString(body, "device_model_id"));
  if (!model) throw unprocessable("Unknown device_model_id");
  const spaceId = requireInteger(body, "space_id");
  new SpaceDirectory(org).require(spaceId);
  const macRaw = optionalString(body, "mac");
  const mac = macRaw ? normalizeMac(macRaw) : null;
  if (macRaw && mac === null) throw unprocessable("mac is malformed (use aa:bb:cc:dd:ee:ff)");
  const custom = optionalObject(body, "custom_parameters") ?? {};
  const skipCheck = optionalBoolean(body, "skip_connectivity_check") ?? false;
  if (!skipCheck && !requireConnectivity(org, proxy.id, ip)) {
    throw unprocessable("device_ip is unreachable (run start_ping first or pass skip_connectivity_check)");
  }
  const nowMs = ctx.runtime.nowMs();
  const displayName = optionalString(body, "display_name");
  const customParameters: Record<string, string | null> = {};
  for (const p of model.customParameters) {
    const value = custom[p.label];
    customParameters[p.label] = typeof value === "string" && value !== "" ? value : null;
  }
  const customPartner = optionalString(body, "custom_partner_name");
  const customModel = optionalString(body, "custom_model_name");
  org.devices.push(newDevice(ctx.runtime, model, {
    name: displayName || `${model.name} (${ip})`,
    // Conflict in the sources: catalog (a) says a missing sn defaults to a generated UUID; we follow it.
    sn: optionalString(body, "sn") || ctx.runtime.uuid(),
    mac,
    cloudId: null,
    subModel: null,
    firmwareVersion: model.firmwareVersions[model.firmwareVersions.length - 1],
    status: "online",
    effectiveStatus: "ok",
    lastSeenAtMs: nowMs,
    details: {
      ip_address: ip,
      ...(customPartner ? { custom_partner_name: customPartner } : {}),
      ...(customModel ? { custom_model_name: customModel } : {}),
    },
    spaceId,
    parentId: null,
    proxyId: proxy.id,
    hostAddress: ip,
    customParameters,
  }));
  org.edgeJobs.push({
    kind: "claim",
    proxyId: proxy.id,
    deviceIp: ip,
    startedAtMs: nowMs,
    result: "success",
  });
  return noContent();
}

function getClaimStatus(ctx: RequestContext, org: SimOrganization): Response {
  const { proxyId, ip } = jobQuery(ctx);
  const job = latestJob(org, "claim", proxyId, ip);
  if (!job) throw unprocessable("No claim started for this device_ip");
  return jsonResponse({ result: job.result });
}

function updateHostname(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const ip = typeof body.device_ip === "string" ? body.device_ip.trim() : "";
  if (ip === "") throw new SimHttpError(400, "device_ip is required");
  if (!HOST_CHARS.test(ip)) {
    throw unprocessable("device_ip may only contain letters, digits, dots and hyphens");
  }
  const skipCheck = optionalBoolean(body, "skip_connectivity_check") ?? false;
  if (!skipCheck && !requireConnectivity(org, device.proxyId, ip)) {
    throw new SimHttpError(400, "New address has not passed a connectivity check");
  }
  // Custom parameter values are preserved; only the address changes.
  device.hostAddress = ip;
  device.details = { ...(device.details ?? {}), ip_address: ip };
  device.infoVersion++;
  return success();
}

export const organizationEdgeRoutes: RouteDefinition[] = [
  organizationRoute("organization.edges.getEdges", "GET", EDGES, getEdges),
  organizationRoute("organization.edges.devices.startPing", "POST", `${EDGES}/devices/start_ping`, startPing),
  organizationRoute(
    "organization.edges.devices.getPingStatus",
    "GET",
    `${EDGES}/devices/get_ping_status`,
    getPingStatus,
  ),
  organizationRoute(
    "organization.edges.devices.startClaim",
    "POST",
    `${EDGES}/devices/start_claim`,
    startClaim,
  ),
  organizationRoute(
    "organization.edges.devices.getClaimStatus",
    "GET",
    `${EDGES}/devices/get_claim_status`,
    getClaimStatus,
  ),
  organizationRoute(
    "organization.edges.devices.updateHostname",
    "POST",
    `${EDGES}/devices/:device_id/update_hostname`,
    updateHostname,
  ),
];
