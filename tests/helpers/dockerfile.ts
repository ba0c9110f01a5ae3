/** A small Dockerfile reader for tests: instructions (continuations joined, comments dropped) per stage. */

export interface Instruction {
  /** Upper-case keyword, e.g. FROM, RUN. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with spaces. */
  value: string;
}

export interface Stage {
  /** The image (with tag or digest) this stage starts from. */
  from: string;
  /** `AS <name>`, if any. */
  name?: string;
  /** `--platform=…`, if any. */
  platform?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Instructions before the first FROM (global ARGs). */
  preamble: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (pending !== "" && line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = "";
  }
  if (pending.trim() !== "") logical.push(pending.trim());

  const file: Dockerfile = { preamble: [], stages: [] };
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1]!.toUpperCase(), value: match[2]! };
    if (instruction.keyword === "FROM") {
      const words = instruction.value.split(/\s+/);
      const platform = words.find((w) => w.startsWith("--platform="))?.slice("--platform=".length);
      const rest = words.filter((w) => !w.startsWith("--"));
      const as = rest.findIndex((w) => w.toUpperCase() === "AS");
      file.stages.push({
        from: rest[0]!,
        ...(as >= 0 && rest[as + 1] ? { name: rest[as + 1] } : {}),
        ...(platform ? { platform } : {}),
        instructions: [],
      });
    } else if (file.stages.length === 0) {
      file.preamble.push(instruction);
    } else {
      file.stages.at(-1)!.instructions.push(instruction);
    }
  }
  return file;
}

/** `KEY=value` pairs of ENV instructions (the `ENV KEY value` legacy form too). */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const { value } of stage.instructions.filter((i) => i.keyword === "ENV")) {
    const pairs = [...value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)];
    if (pairs.length === 0) {
      const [key, ...rest] = value.split(/\s+/);
      if (key) env.set(key, rest.join(" "));
    }
    for (const [, key, raw] of pairs) env.set(key!, raw!.replace(/^"|"$/g, ""));
  }
  return env;
}

/** `ARG NAME=default` declarations of a stage, with their defaults ("" when none). */
export function argsOf(instructions: readonly Instruction[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const { value } of instructions.filter((i) => i.keyword === "ARG")) {
    const [name, ...rest] = value.split("=");
    args.set(name!.trim(), rest.join("=").trim());
  }
  return args;
}
