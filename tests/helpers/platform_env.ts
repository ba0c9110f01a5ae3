/** Variables Windows needs in a child's cleared environment (sockets fail without SYSTEMROOT); none elsewhere. */
export function platformEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["SYSTEMROOT", "TEMP", "TMP", "USERPROFILE"]) {
    const value = Deno.build.os === "windows" ? Deno.env.get(name) : undefined;
    if (value) env[name] = value;
  }
  return env;
}
