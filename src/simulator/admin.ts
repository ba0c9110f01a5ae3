/**
 * Admin API for out-of-process control (benchmarks, demo). Not recorded, never faulted, no auth:
 *   GET    /__sim/health             {ok, organizations, devices_loaded, requests, faults}
 *   GET    /__sim/requests           [RecordedRequest, ...]
 *   DELETE /__sim/requests           204
 *   GET    /__sim/faults             [{id, remaining, ...FaultSpec}]
 *   POST   /__sim/faults             FaultSpec JSON -> 201 {id}
 *   DELETE /__sim/faults             204 (all)
 *   DELETE /__sim/faults/:id         204 / 404
 *   POST   /__sim/reset              204
 *   GET    /__sim/keys[?device_id=]  {organizations, partner[, device_access_key]}
 */
import { errorResponse, jsonResponse, noContent } from "./http.ts";
import type { SimulatorImpl } from "./simulator.ts";
import { validateFaultSpec } from "./faults.ts";
import { locateDevice } from "./lookup.ts";

export async function handleAdminRequest(sim: SimulatorImpl, req: Request, url: URL): Promise<Response> {
  const path = url.pathname.replace(/\/+$/, "");
  const route = `${req.method} ${path}`;
  switch (route) {
    case "GET /__sim/health":
      return jsonResponse({
        ok: true,
        organizations: sim.state.organizations.length,
        requests: sim.requests.length,
        faults: sim.faultRegistry.list().length,
      });
    case "GET /__sim/requests":
      return jsonResponse(sim.requests);
    case "DELETE /__sim/requests":
      sim.requests.length = 0;
      return noContent();
    case "GET /__sim/faults":
      return jsonResponse(
        sim.faultRegistry.list().map((f) => ({ id: f.id, remaining: f.remaining, ...f.spec })),
      );
    case "POST /__sim/faults": {
      let spec;
      try {
        spec = validateFaultSpec(JSON.parse(await req.text()));
      } catch (error) {
        return errorResponse(
          422,
          error instanceof SyntaxError ? "Malformed JSON body" : (error as Error).message,
        );
      }
      return jsonResponse({ id: sim.faults.add(spec) }, 201);
    }
    case "DELETE /__sim/faults":
      sim.faults.clear();
      return noContent();
    case "POST /__sim/reset":
      sim.reset();
      return noContent();
    case "GET /__sim/keys": {
      const keys: Record<string, unknown> = { ...sim.keys };
      const deviceId = url.searchParams.get("device_id");
      if (deviceId !== null) {
        const located = locateDevice(sim.state, deviceId);
        if (!located) return errorResponse(404, "Device not found");
        keys.device_access_key = located.device.accessKey;
      }
      return jsonResponse(keys);
    }
  }
  const faultMatch = /^\/__sim\/faults\/([^/]+)$/.exec(path);
  if (faultMatch && req.method === "DELETE") {
    return sim.faultRegistry.remove(decodeURIComponent(faultMatch[1]))
      ? noContent()
      : errorResponse(404, "Fault not found");
  }
  return errorResponse(404, "Not found");
}
