/**
 * Entry point of `xyte-mcp`: flags and environment → validated config → the chosen transport.
 * Exit codes: 0 clean shutdown, 1 runtime failure, 2 invalid flags or configuration.
 */
// First: zod's settings must be in place before any module builds a schema (see zod_setup.ts).
import "./zod_setup.ts";
import { createApp } from "./app.ts";
import { ConfigError, configSummary, loadConfig } from "./config.ts";
import { demoBanner } from "./demo.ts";
import { resourceWatcher } from "./mcp/register_subscriptions.ts";
import { log, setupLogging, stopLogging } from "./observability/log.ts";
import { deniedNetNeed, netNeeds } from "./permissions.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";

const encoder = new TextEncoder();
const writeOut = (text: string) =>
  Deno.stdout.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
const writeErr = (text: string) =>
  Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));

export async function main(argv: readonly string[]): Promise<number> {
  let request;
  try {
    request = await loadConfig(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      writeErr(`${PROGRAM_NAME}: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (request.kind !== "run") {
    writeOut(request.text);
    return 0;
  }
  const { config } = request;
  const denied = deniedNetNeed(netNeeds(config));
  if (denied) {
    writeErr(`${PROGRAM_NAME}: ${denied}`);
    return 2;
  }
  await setupLogging(config.logLevel);
  const logger = log("main");
  logger.info("starting", { program: PROGRAM_NAME, version: VERSION, ...configSummary(config) });

  let app;
  try {
    app = await createApp(config);
  } catch (error) {
    await stopLogging(); // the lines logged so far are written before the failure is reported
    throw error;
  }
  const stopSignal = waitForStopSignal();
  try {
    // Each transport is loaded only when chosen, to keep stdio cold start short.
    if (config.transport === "stdio") {
      const { serveOverStdio } = await import("./transports/stdio.ts");
      const tenant = app.tenancy.single;
      if (!tenant) throw new Error("stdio needs a configured key"); // config.ts guarantees one
      const { watches } = tenant.deps;
      const stdio = serveOverStdio(
        (serve) => app.buildServer(tenant, serve),
        watches ? { watch: resourceWatcher(tenant.deps, watches) } : {},
      );
      const reason = await Promise.race([stdio.ended.then(() => "stdin closed"), stopSignal]);
      // Requests read are answered before the process exits, on EOF as on a signal.
      logger.info("stopping", { reason, graceMs: config.http.shutdownGraceMs });
      const { drained } = await stdio.close(config.http.shutdownGraceMs);
      logger.info("stopped", { drained });
    } else {
      const { serveHttp } = await import("./transports/http.ts");
      const http = await serveHttp({
        host: config.host,
        port: config.port,
        stateless: config.stateless,
        settings: config.http,
        tenancy: app.tenancy,
        build: app.buildServer,
        limiter: app.limiter,
        telemetry: app.telemetry,
        ...(app.metrics ? { metrics: app.metrics } : {}),
        readiness: app.readiness,
        ...(config.http.oauth
          ? {
            oauth: new (await import("./transports/oauth.ts")).OAuthResourceServer(
              config.http.oauth,
              app.telemetry,
            ),
          }
          : {}),
      });
      if (config.demo) writeOut(demoBanner({ url: http.url, tokenRequired: config.http.tokens.length > 0 }));
      const reason = await stopSignal;
      logger.info("stopping", { reason, graceMs: config.http.shutdownGraceMs });
      const { drained } = await http.close(config.http.shutdownGraceMs);
      logger.info("stopped", { drained });
    }
  } finally {
    await app.close();
    await stopLogging();
  }
  return 0;
}

function waitForStopSignal(): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => resolve(signal));
    } catch {
      // SIGTERM listeners are not supported on Windows.
    }
  }
  return promise;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeErr(`${PROGRAM_NAME}: ${message}`);
    Deno.exit(1);
  }
}
