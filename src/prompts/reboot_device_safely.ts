/** Prompt: reboot one device with checks before and after, and the user's explicit consent. */
import { definePrompt, numberedSteps, type PromptDefinition } from "../mcp/prompt.ts";

export const rebootDeviceSafely: PromptDefinition = definePrompt({
  name: "reboot_device_safely",
  title: "Reboot a device safely",
  description: "Reboots one device with checks first (identity, reachability, no reboot already pending), " +
    "the user's explicit confirmation, then follows the command until it completes and verifies the device " +
    "came back.",
  arguments: {
    device_id: {
      description: "Device id (uuid); completes from device ids and names",
      required: true,
      complete: "device_id",
    },
  },
  requires: ["get_device", "list_commands", "send_command"],
  render({ device_id }, t) {
    const id = JSON.stringify(device_id);
    return [
      `Reboot the Xyte device ${id} safely. A reboot interrupts whatever the device is doing (a meeting, a ` +
      "display in use): check first, ask the user, then follow through.",
      "",
      numberedSteps(
        `Call ${
          t.name("get_device")
        } with device_id ${id}. Confirm name, model and space_path with the user's ` +
          'request. If effective_status is "offline" or "disconnected", stop: a command would only queue ' +
          "until the device comes back; suggest investigating why it is offline instead.",
        `Call ${
          t.name("list_commands")
        } with device_id ${id}. If a reboot is already pending or in_progress, ` +
          "do not send another" +
          (t.has("cancel_command")
            ? `; if it has been pending for a long time, offer to cancel it with ${t.name("cancel_command")}.`
            : "."),
        t.has("list_incidents") &&
          `Call ${
              t.name("list_incidents")
            } with device_id ${id} and status "active" to tell the user why the ` +
            "reboot may help.",
        "Ask the user to confirm the reboot, naming the device (name, space_path, id). Without a clear yes, " +
          "stop here.",
        `Call ${
          t.name("send_command")
        } with device_id ${id} and the command name "reboot". If the tool asks ` +
          "for confirmation, pass what the user confirmed; if the model has no reboot command, stop and report.",
        `Call ${
          t.name("list_commands")
        } with device_id ${id} again until the reboot is done or failed (every ` +
          "30 seconds or so, for at most 5 minutes).",
        `Call ${
          t.name("get_device")
        } with device_id ${id}: is it online with a fresh last_seen_at? Report the ` +
          "outcome: command id and final status, the device's status before and after.",
      ),
    ].join("\n");
  },
});
