/**
 * Simulated Xyte hub: a deterministic, in-memory implementation of the Xyte REST API (organization,
 * partner and device namespaces) for end-to-end tests, benchmarks, fault tests and `--demo`.
 *
 * - `createSimulator()` answers `Request`s in process; `startSimulator()` serves the same on loopback.
 * - Auth: `Authorization: <raw key>` — DEMO_ORG_KEY (organization), DEMO_PARTNER_KEY (partner), a device's
 *   access key (`deviceAccessKey(id)`) for /v1/devices/:id/*.
 * - Faults (`faults.add`) and the request log (`requests`) make client behaviour observable.
 */
export { DEMO_ORG_KEY, DEMO_PARTNER_KEY } from "./constants.ts";
export { createSimulator, type Simulator } from "./simulator.ts";
export { type SimulatorServer, startSimulator } from "./server.ts";
export type {
  AuthScope,
  FaultSpec,
  RecordedRequest,
  SimCommand,
  SimDevice,
  SimIncident,
  SimModel,
  SimOrganization,
  SimOrganizationOptions,
  SimSpace,
  SimState,
  SimTicket,
  SimulatorOptions,
} from "./types.ts";
