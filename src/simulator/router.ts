/**
 * Route table: matches a method and path against `:param` templates. When several templates match a
 * path, the most specific wins (a literal segment beats a parameter at the first position where they
 * differ), so `/devices/histories` is never taken for `/devices/:device_id`. A path that matches but not
 * with this method is a 405.
 */
import type { RouteDefinition } from "./context.ts";

interface CompiledTemplate {
  segments: string[];
  /** One entry per segment: the parameter name, or null for a literal. */
  paramNames: (string | null)[];
  byMethod: Map<string, RouteDefinition>;
}

export type RouteMatch =
  | { kind: "found"; route: RouteDefinition; params: Record<string, string> }
  | { kind: "method_not_allowed"; allowed: string[] }
  | { kind: "not_found" };

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

export class RouteTable {
  readonly routes: readonly RouteDefinition[];
  #templatesByLength = new Map<number, CompiledTemplate[]>();

  constructor(routes: readonly RouteDefinition[]) {
    this.routes = routes;
    const byPath = new Map<string, CompiledTemplate>();
    for (const route of routes) {
      let template = byPath.get(route.path);
      if (!template) {
        const segments = splitPath(route.path);
        template = {
          segments,
          paramNames: segments.map((s) => (s.startsWith(":") ? s.slice(1) : null)),
          byMethod: new Map(),
        };
        byPath.set(route.path, template);
        const list = this.#templatesByLength.get(segments.length) ?? [];
        list.push(template);
        this.#templatesByLength.set(segments.length, list);
      }
      if (template.byMethod.has(route.method)) {
        throw new Error(`Duplicate route ${route.method} ${route.path}`);
      }
      template.byMethod.set(route.method, route);
    }
  }

  match(method: string, pathname: string): RouteMatch {
    let segments: string[];
    try {
      segments = splitPath(pathname).map((s) => decodeURIComponent(s));
    } catch {
      return { kind: "not_found" };
    }
    let best: CompiledTemplate | null = null;
    for (const template of this.#templatesByLength.get(segments.length) ?? []) {
      if (!matches(template, segments)) continue;
      if (best === null || moreSpecific(template, best)) best = template;
    }
    if (best === null) return { kind: "not_found" };
    const route = best.byMethod.get(method);
    if (!route) return { kind: "method_not_allowed", allowed: [...best.byMethod.keys()] };
    const params: Record<string, string> = {};
    best.paramNames.forEach((name, i) => {
      if (name !== null) params[name] = segments[i];
    });
    return { kind: "found", route, params };
  }
}

function matches(template: CompiledTemplate, segments: string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const name = template.paramNames[i];
    if (name === null ? template.segments[i] !== segments[i] : segments[i] === "") return false;
  }
  return true;
}

function moreSpecific(a: CompiledTemplate, b: CompiledTemplate): boolean {
  for (let i = 0; i < a.segments.length; i++) {
    const aLiteral = a.paramNames[i] === null;
    const bLiteral = b.paramNames[i] === null;
    if (aLiteral !== bLiteral) return aLiteral;
  }
  return false;
}
