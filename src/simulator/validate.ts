/** Validation of request bodies, query strings and paging; failures are 422 `{"error"}` answers. */
import { SimHttpError, unprocessable } from "./http.ts";
import type { JsonObject } from "./types.ts";

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON object body of a request (`{}` when the body is empty). */
export function bodyObject(body: unknown, bodyError: string | null): JsonObject {
  if (bodyError !== null) throw unprocessable(bodyError);
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw unprocessable("Request body must be a JSON object");
  return body;
}

export function requireString(body: JsonObject, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === "") throw unprocessable(`${field} is required`);
  if (typeof value !== "string") throw unprocessable(`${field} must be a string`);
  if (value.trim() === "") throw unprocessable(`${field} must not be blank`);
  return value;
}

/** A string field; `undefined` when absent, `null` when explicitly null. */
export function optionalString(body: JsonObject, field: string): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== "string") throw unprocessable(`${field} must be a string`);
  return value;
}

export function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw unprocessable(`${field} must be a boolean`);
}

export function optionalObject(body: JsonObject, field: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw unprocessable(`${field} must be an object`);
  return value;
}

/** Parses an integer given as a JSON number or a decimal string; undefined when absent. */
export function toInteger(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && /^-?\d+$/.test(value.trim())
    ? Number(value)
    : NaN;
  if (!Number.isSafeInteger(n)) throw unprocessable(`${field} must be an integer`);
  return n;
}

export function requireInteger(body: JsonObject, field: string): number {
  const n = toInteger(body[field], field);
  if (n === undefined) throw unprocessable(`${field} is required`);
  return n;
}

export function queryInteger(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  return toInteger(raw, name);
}

export function queryBoolean(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw unprocessable(`${name} must be true or false`);
}

export function queryEnum<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw unprocessable(`${name} must be one of: ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** Parses an ISO-8601 timestamp (no offset = UTC); throws 422 when invalid. */
export function parseIsoTime(raw: string, name: string): number {
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(raw);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const ms = Date.parse(dateOnly ? `${raw}T00:00:00Z` : hasZone ? raw : `${raw}Z`);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) {
    throw unprocessable(`${name} must be an ISO-8601 time`);
  }
  return ms;
}

export interface Paging {
  page: number;
  perPage: number;
}

export interface PagingRules {
  /** Default 100. */
  defaultPerPage?: number;
  /** Default 100. */
  maxPerPage?: number;
  /** Query names accepted for the page size, first present wins (default ["per_page"]). */
  perPageNames?: readonly string[];
}

/** `page` (default 1, integer >= 1) and `per_page` (integer 1..max); anything else is 422. */
export function parsePaging(query: URLSearchParams, rules: PagingRules = {}): Paging {
  const maxPerPage = rules.maxPerPage ?? 100;
  const page = queryInteger(query, "page") ?? 1;
  if (page < 1) throw unprocessable("page must be an integer >= 1");
  let perPage = rules.defaultPerPage ?? 100;
  for (const name of rules.perPageNames ?? ["per_page"]) {
    const value = queryInteger(query, name);
    if (value === undefined) continue;
    if (value < 1) throw unprocessable(`${name} must be an integer >= 1`);
    if (value > maxPerPage) throw unprocessable(`${name} must be <= ${maxPerPage}`);
    perPage = value;
    break;
  }
  return { page, perPage };
}

export interface PageOf<T> {
  items: T[];
  hasNext: boolean;
  total: number;
}

export function paginate<T>(items: readonly T[], paging: Paging): PageOf<T> {
  const start = (paging.page - 1) * paging.perPage;
  return {
    items: items.slice(start, start + paging.perPage),
    hasNext: start + paging.perPage < items.length,
    total: items.length,
  };
}

/** Rejects body fields that are not in `allowed` with the given status (400 for the device API). */
export function rejectUnknownFields(body: JsonObject, allowed: readonly string[], status = 400): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new SimHttpError(status, `Unknown parameters: ${unknown.join(", ")}`);
}
