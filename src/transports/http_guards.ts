/**
 * Checks every MCP request passes before it reaches a server: Host and Origin allow-lists (DNS-rebinding
 * protection) and the inbound bearer token, compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Secret } from "../secret.ts";

/** Host names a loopback-bound server answers to. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** A Host header value: a name or a bracketed IPv6 address, then an optional port, and nothing else. */
const HOST_VALUE = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/;

/**
 * The hostname of a Host header value ("example.com:8080" → "example.com", "[::1]:80" → "[::1]"); "" for a
 * value that is not a host (e.g. "localhost:evil.com", "[::1]evil.com"), which no allow-list entry matches.
 */
export function hostnameOf(host: string): string {
  return HOST_VALUE.exec(host.trim().toLowerCase())?.[1] ?? "";
}

/**
 * Whether a Host header is acceptable. `allowed` empty = any host (a server bound to a public address
 * behind a load balancer); loopback-bound servers pass `LOOPBACK_HOSTNAMES` by default.
 */
export function hostAllowed(host: string | null, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (!host) return false;
  const name = hostnameOf(host);
  return name !== "" && allowed.some((a) => hostnameOf(a) === name);
}

/**
 * Whether an Origin header is acceptable. Requests without Origin (every non-browser client) pass.
 * `allowed` holds full origins ("https://app.example.com"); `loopbackOrigins` also accepts any port on a
 * loopback hostname (local browser tools such as the MCP Inspector).
 */
export function originAllowed(
  origin: string | null,
  allowed: readonly string[],
  loopbackOrigins: boolean,
): boolean {
  if (!origin) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.some((a) => a.toLowerCase().replace(/\/+$/, "") === parsed.origin.toLowerCase())) return true;
  return loopbackOrigins && LOOPBACK_HOSTNAMES.includes(parsed.hostname.toLowerCase());
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** Constant-time membership: compares SHA-256 digests so neither length nor content leaks through timing. */
export function tokenMatches(presented: string, tokens: readonly Secret[]): boolean {
  const digest = createHash("sha256").update(presented).digest();
  let found = false;
  for (const token of tokens) {
    const expected = createHash("sha256").update(token.reveal()).digest();
    found = timingSafeEqual(digest, expected) || found;
  }
  return found;
}

/** A short, non-reversible id of a presented token (for per-client rate limits and logs). */
export function tokenId(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 16);
}

/**
 * A stable, non-reversible id for a tenant's keys (what rate limits, cache keys and logs see). 128 bits: two
 * tenants with the same id would share cache entries, so a collision must stay out of reach however many
 * keys a multi-tenant server (or the deployments sharing its Redis) ever sees.
 */
export function tenantKeyId(keys: { organization?: Secret; partner?: Secret }): string {
  return createHash("sha256")
    .update(`${keys.organization?.reveal() ?? ""}\n${keys.partner?.reveal() ?? ""}`)
    .digest("hex")
    .slice(0, 32);
}
