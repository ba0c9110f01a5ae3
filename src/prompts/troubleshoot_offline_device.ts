/** Prompt: find out why one device is offline, without changing anything. */
import { definePrompt, numberedSteps, type PromptDefinition } from "../mcp/prompt.ts";
import { rebootDeviceSafely } from "./reboot_device_safely.ts";

export const troubleshootOfflineDevice: PromptDefinition = definePrompt({
  name: "troubleshoot_offline_device",
  title: "Troubleshoot an offline device",
  description: "Step-by-step investigation of why one device is offline or unreachable: its record, state " +
    "history, incidents, tickets, stuck commands and neighbours in the same space; ends with a likely cause " +
    "and next action. Changes nothing.",
  arguments: {
    device_id: {
      description: "Device id (uuid); completes from device ids and names",
      required: true,
      complete: "device_id",
    },
  },
  requires: ["get_device"],
  render({ device_id }, t) {
    const id = JSON.stringify(device_id);
    return [
      `Troubleshoot the Xyte device ${id}, which is reported offline, disconnected or unreachable. Work ` +
      "through the steps in order, quote what each call returned, and change nothing on the device.",
      "",
      numberedSteps(
        t.has("diagnose_device") &&
          `Call ${t.name("diagnose_device")} with device_id ${id}: one answer with the device, its recent ` +
            "status changes, pending commands, active incidents, open tickets and an assessment. Treat it as " +
            "the starting facts and skip any step below it already answers.",
        `Call ${t.name("get_device")} with device_id ${id}. Note status (what the device reports), ` +
          "effective_status (what Xyte computes), last_seen_at, model, firmware, space_id and space_path. If " +
          'effective_status is "ok", say so and stop: the device is not offline.',
        t.has("get_device_history") &&
          `Call ${t.name("get_device_history")} with device_id ${id} (the last 7 days). When did it last ` +
            "change status? Did it flap between online and offline (unstable power or network) or drop once " +
            "and stay down?",
        t.has("list_incidents") &&
          `Call ${
              t.name("list_incidents")
            } with device_id ${id} and status "active": what has Xyte already ` +
            "alerted on, since when, and at which priority?",
        t.has("list_tickets") &&
          `Call ${t.name("list_tickets")} with device_id ${id}: is someone already working on it?`,
        t.has("list_commands") &&
          `Call ${
              t.name("list_commands")
            } with device_id ${id}: look for commands stuck in pending (queued ` +
            "while the device is unreachable) or failed, e.g. a reboot that never completed.",
        t.has("list_devices") &&
          `Call ${t.name("list_devices")} with space set to the device's space_id and effective_status ` +
            '["offline", "disconnected"]. If several devices in the same space are down, suspect the site ' +
            "(network, power) rather than this device.",
        "Conclude with the most likely cause (device fault, network, power, removed or never installed), the " +
          "evidence for it, and the next action for someone on site. Do not send commands" +
          (rebootDeviceSafely.requires.every((tool) => t.has(tool))
            ? `; if a reboot looks right and the device is reachable, recommend the "${rebootDeviceSafely.name}" ` +
              "prompt instead."
            : "."),
      ),
    ].join("\n");
  },
});
