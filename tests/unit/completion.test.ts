import assert from "node:assert/strict";
import { type CompletionCandidate, matchCompletions } from "../../src/mcp/completion.ts";

const DEVICES: CompletionCandidate[] = [
  { id: "7f3a-0001", label: "Lobby Display" },
  { id: "a1b2-0002", label: "Board Room Bar" },
  { id: "c3d4-0003", label: "Huddle 7 Display" },
  { id: "e5f6-7f3a", label: null },
];

Deno.test("completion: empty input offers every candidate in directory order", () => {
  assert.deepEqual(matchCompletions(DEVICES, ""), ["7f3a-0001", "a1b2-0002", "c3d4-0003", "e5f6-7f3a"]);
  assert.deepEqual(matchCompletions(DEVICES, "   "), ["7f3a-0001", "a1b2-0002", "c3d4-0003", "e5f6-7f3a"]);
});

Deno.test("completion: id prefix ranks before a label match, then substring matches of the id", () => {
  assert.deepEqual(matchCompletions(DEVICES, "7f3a"), ["7f3a-0001", "e5f6-7f3a"]);
});

Deno.test("completion: a name matches by prefix, by word start and by substring, case-insensitively", () => {
  assert.deepEqual(matchCompletions(DEVICES, "LOBBY"), ["7f3a-0001"]);
  assert.deepEqual(matchCompletions(DEVICES, "display"), ["7f3a-0001", "c3d4-0003"]);
  assert.deepEqual(matchCompletions(DEVICES, "oard"), ["a1b2-0002"]);
  assert.deepEqual(matchCompletions(DEVICES, "room b"), ["a1b2-0002"]);
});

Deno.test("completion: label prefix ranks before a word start inside a label", () => {
  const spaces = [
    { id: "1", label: "Tel Aviv HQ/London Room" },
    { id: "2", label: "London Office" },
  ];
  assert.deepEqual(matchCompletions(spaces, "lond"), ["2", "1"]);
});

Deno.test("completion: values are ids, each once, and nothing matches nothing", () => {
  const twice = [{ id: "x1", label: "Alpha" }, { id: "x1", label: "Alpha again" }];
  assert.deepEqual(matchCompletions(twice, "alp"), ["x1"]);
  assert.deepEqual(matchCompletions(DEVICES, "zzz"), []);
});
