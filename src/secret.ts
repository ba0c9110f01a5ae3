/**
 * A secret value (API key, token) that cannot leak by accident: it prints, serializes and inspects as
 * `[redacted]`. Only `reveal()` returns the value, and only code that sends it upstream calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [Symbol.for("Deno.customInspect")](): string {
    return "Secret([redacted])";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "Secret([redacted])";
  }
}

/** Every secret value the process knows; log sinks and error formatters scrub these from any text. */
const knownSecretValues = new Set<string>();

/** Registers a secret so `scrubSecrets` removes it from text. Values shorter than 4 characters are ignored. */
export function rememberSecret(secret: Secret | string): void {
  const value = typeof secret === "string" ? secret : secret.reveal();
  if (value.length >= 4) knownSecretValues.add(value);
}

/** Whether `value` is registered process-wide (`rememberSecret`), so `scrubSecrets` already removes it. */
export function isRememberedSecret(value: string): boolean {
  return knownSecretValues.has(value);
}

/** Replaces every known secret value in `text` with `[redacted]`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const value of knownSecretValues) {
    if (out.includes(value)) out = out.split(value).join("[redacted]");
  }
  return out;
}
