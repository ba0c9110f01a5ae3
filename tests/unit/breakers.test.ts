import assert from "node:assert/strict";
import { NO_TELEMETRY } from "../../src/observability/telemetry.ts";
import { circuitBreakers } from "../../src/xyte/breakers.ts";

const HUB = "https://hub.example";

function counting() {
  let open = 0;
  const telemetry = {
    ...NO_TELEMETRY,
    circuit: (_host: string, isOpen: boolean) => void (open += isOpen ? 1 : -1),
  };
  return { telemetry, open: () => open };
}

Deno.test("breakers: one set per tenant in multi-tenant mode, one for all otherwise", () => {
  const shared = circuitBreakers({
    failureThreshold: 1,
    cooldownSeconds: 60,
    telemetry: NO_TELEMETRY,
    multiTenant: false,
  });
  assert.equal(shared("a").for(HUB), shared("b").for(HUB));
  const perTenant = circuitBreakers({
    failureThreshold: 1,
    cooldownSeconds: 60,
    telemetry: NO_TELEMETRY,
    multiTenant: true,
  });
  assert.notEqual(perTenant("a").for(HUB), perTenant("b").for(HUB));
  assert.equal(perTenant("a").for(HUB), perTenant("a").for(HUB));
  perTenant("a").for(HUB).failure();
  assert.equal(perTenant("a").for(HUB).isOpen, true);
  assert.equal(perTenant("b").for(HUB).isOpen, false, "another tenant's circuit stays closed");
});

Deno.test("breakers: the open count stays right when a tenant's open breaker is forgotten while a call holds it", () => {
  let now = 0;
  const { telemetry, open } = counting();
  const breakersOf = circuitBreakers({
    failureThreshold: 1,
    cooldownSeconds: 1,
    telemetry,
    multiTenant: true,
    maxTenants: 1,
    now: () => now,
  });
  const held = breakersOf("a").for(HUB);
  held.failure();
  assert.equal(open(), 1, "tenant a's circuit opened");
  now = 1_000;
  const trial = held.admit("k"); // a call holds a's breaker as its trial...
  breakersOf("b").for(HUB); // ...when another tenant pushes it out of the kept set
  assert.equal(open(), 0, "forgotten, it no longer counts");
  held.success(); // the trial succeeds on the forgotten breaker
  assert.equal(trial, true);
  assert.equal(open(), 0, "and its closing is not counted a second time");
  const again = breakersOf("a").for(HUB);
  assert.notEqual(again, held, "tenant a starts afresh");
  again.failure();
  assert.equal(open(), 1);
});
