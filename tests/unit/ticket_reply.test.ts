/**
 * send_ticket_message: Xyte answers a reply with `{success: true}` alone, so the tool reads the ticket back and
 * tells the agent what it needs next: the ticket's status (a resolved ticket stays resolved) and the reply as
 * the thread holds it (when, and under whose name). A failed read-back does not turn a posted reply into an error,
 * which the agent would take as "not sent" and send again.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { createSimulator } from "../../src/simulator/mod.ts";
import { sendTicketMessage, type TicketReply } from "../../src/tools/tickets.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY = "ticket-reply-key-8e21a4";

function fixture() {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 9, deviceCount: 10 }] });
  const org = sim.state.organizations[0]!;
  const ctx = toolContext(simulatedClient(sim, KEY));
  const reply = async (ticketId: string, message: string) => {
    const args = sendTicketMessage.input.parse({ ticket_id: ticketId, message });
    const { result, summary } = await sendTicketMessage.execute(args, ctx);
    return { reply: result as unknown as TicketReply, summary };
  };
  return { sim, org, reply };
}

Deno.test("send_ticket_message: answers the ticket's status and the reply as stored", async () => {
  const { org, reply } = fixture();
  const ticket = org.tickets.find((t) => t.status === "open")!;
  const before = ticket.comments.length;
  const { reply: sent, summary } = await reply(ticket.id, "A technician is on the way.");
  const stored = ticket.comments.at(-1)!;
  assert.equal(stored.text, "A technician is on the way.");
  assert.deepEqual(sent, {
    id: ticket.id,
    status: "open",
    posted_at: new Date(stored.createdAtMs).toISOString(),
    author: org.contacts.adminName,
  });
  assert.equal(ticket.comments.length, before + 1);
  assert.equal(
    summary,
    `Message posted to ticket ${ticket.id} as ${org.contacts.adminName}; the ticket is open.`,
  );
});

Deno.test("send_ticket_message: a reply on a resolved ticket says the ticket is still resolved", async () => {
  const { org, reply } = fixture();
  const ticket = org.tickets.find((t) => t.status === "open")!;
  ticket.status = "resolved";
  const { reply: sent, summary } = await reply(ticket.id, "One more thing.");
  assert.equal(sent.status, "resolved");
  assert.match(summary, /the ticket is resolved/);
});

Deno.test("send_ticket_message: when the ticket cannot be read back, the posted reply is still a success", async () => {
  const { sim, org, reply } = fixture();
  const ticket = org.tickets.find((t) => t.status === "open")!;
  const before = ticket.comments.length;
  sim.faults.add({ endpointKey: "organization.tickets.getTicket", status: 503 });
  const { reply: sent, summary } = await reply(ticket.id, "Posted while reads fail.");
  assert.equal(ticket.comments.length, before + 1, "posted exactly once");
  assert.deepEqual(sent, { id: ticket.id, status: null, posted_at: null, author: null });
  assert.match(summary, /^Message posted to ticket .*; the ticket's status is not known here/);
});
