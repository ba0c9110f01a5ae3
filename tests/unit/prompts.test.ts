import assert from "node:assert/strict";
import { mentionedTools, type PromptDefinition, toolMentions } from "../../src/mcp/prompt.ts";
import { normalizeArguments } from "../../src/mcp/register_prompts.ts";
import { loadTools, PROMPTS } from "../../src/registry.ts";

/** Every registered tool, from every toolset. */
const TOOLS = await loadTools();

const REGISTERED = new Set(TOOLS.map((t) => t.name));
/** Tool names the prompts could plausibly mention, registered or not: none may appear unless exposed. */
const KNOWN_TOOL_NAMES = new Set([
  ...REGISTERED,
  "list_devices",
  "get_device",
  "get_device_history",
  "list_commands",
  "send_command",
  "cancel_command",
  "list_incidents",
  "list_tickets",
  "get_ticket",
  "list_spaces",
  "get_organization_info",
  "fleet_summary",
  "diagnose_device",
]);

/** Sample arguments: every argument filled, or only the required ones. */
function sampleArguments(prompt: PromptDefinition, all: boolean): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(prompt.arguments)) {
    if (!all && !spec.required) continue;
    args[name] = spec.choices ? spec.choices[0] : name === "space" ? "1042" : "8c1f-device-id";
  }
  return args;
}

function assertNamesOnly(text: string, exposed: ReadonlySet<string>, label: string): void {
  for (const tool of mentionedTools(text)) {
    assert.ok(REGISTERED.has(tool), `${label} names ${tool}, which is not in the registry`);
    assert.ok(exposed.has(tool), `${label} names ${tool}, which is not exposed`);
  }
  for (const word of text.match(/[a-z]+(?:_[a-z]+)+/g) ?? []) {
    if (KNOWN_TOOL_NAMES.has(word)) {
      assert.ok(exposed.has(word), `${label} mentions ${word} but it is not exposed`);
    }
  }
}

Deno.test("prompts: the four prompts are registered with unique names", () => {
  assert.deepEqual(PROMPTS.map((p) => p.name), [
    "troubleshoot_offline_device",
    "fleet_health_report",
    "triage_open_incidents",
    "reboot_device_safely",
  ]);
});

Deno.test("prompts: every tool a prompt requires exists in the registry", () => {
  for (const prompt of PROMPTS) {
    for (const tool of prompt.requires) {
      assert.ok(REGISTERED.has(tool), `${prompt.name} requires unknown ${tool}`);
    }
  }
});

Deno.test("prompts: with every tool exposed, each text names only registered tools, in backticks", () => {
  const mentions = toolMentions(REGISTERED);
  for (const prompt of PROMPTS) {
    for (const all of [true, false]) {
      const text = prompt.render(sampleArguments(prompt, all), mentions);
      assertNamesOnly(text, REGISTERED, prompt.name);
      assert.ok(mentionedTools(text).length >= 2, `${prompt.name} names the tools to call`);
      for (const tool of prompt.requires) {
        assert.ok(text.includes(`\`${tool}\``), `${prompt.name} uses ${tool}`);
      }
    }
  }
});

Deno.test("prompts: with only the required tools exposed, each still renders and names nothing else", () => {
  for (const prompt of PROMPTS) {
    const exposed = new Set(prompt.requires);
    const text = prompt.render(sampleArguments(prompt, true), toolMentions(exposed));
    assertNamesOnly(text, exposed, `${prompt.name} (minimal tools)`);
  }
});

Deno.test("prompts: arguments land in the text quoted, optional ones may be left out", () => {
  const mentions = toolMentions(REGISTERED);
  const troubleshoot = PROMPTS.find((p) => p.name === "troubleshoot_offline_device")!;
  assert.match(troubleshoot.render({ device_id: "dev-42" }, mentions), /device_id "dev-42"/);
  const report = PROMPTS.find((p) => p.name === "fleet_health_report")!;
  assert.match(report.render({}, mentions), /the whole organization/);
  assert.match(report.render({ space: "London Office" }, mentions), /space "London Office"/);
  const triage = PROMPTS.find((p) => p.name === "triage_open_incidents")!;
  assert.match(triage.render({ priority: "critical" }, mentions), /priority "critical"/);
});

Deno.test("prompts: the health report lists the statuses fleet_summary counts; triage suggests no action no tool has", () => {
  const mentions = toolMentions(REGISTERED);
  const report = PROMPTS.find((p) => p.name === "fleet_health_report")!.render({}, mentions);
  // fleet_summary's needs_attention: error, offline, disconnected, warning and never_seen.
  assert.match(report, /effective_status \["error", "offline", "disconnected", "warning", "never_seen"\]/);
  const triage = PROMPTS.find((p) => p.name === "triage_open_incidents")!.render({}, mentions);
  assert.doesNotMatch(
    triage,
    /close as recovered|open a ticket/,
    "no tool closes an incident or opens a ticket",
  );
  assert.match(triage, /deleting one is permanent: do not suggest it/);
});

Deno.test("prompts: a tool that is not exposed cannot be named", () => {
  assert.throws(() => toolMentions(["get_device"]).name("send_command"), /does not expose/);
  assert.equal(toolMentions(["get_device"]).name("get_device"), "`get_device`");
});

Deno.test("prompts: arguments are trimmed, empty optional ones dropped, choices lower-cased", () => {
  const triage = PROMPTS.find((p) => p.name === "triage_open_incidents")!;
  assert.deepEqual(normalizeArguments(triage, { space: "  ", priority: " HIGH " }), {
    space: undefined,
    priority: "high",
  });
});
