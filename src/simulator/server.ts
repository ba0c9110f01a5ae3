/** `startSimulator`: the simulator behind Deno.serve on loopback. Prints nothing (stdout may carry MCP). */
import { errorResponse } from "./http.ts";
import { type Simulator, SimulatorImpl } from "./simulator.ts";
import type { SimulatorOptions } from "./types.ts";

export interface SimulatorServer extends Simulator {
  /** Base URL, e.g. "http://127.0.0.1:41234" (serves both the hub and the entry paths). */
  url: string;
  /** Stops listening and releases hung requests. Idempotent. */
  close(): Promise<void>;
}

class SimulatorServerImpl extends SimulatorImpl implements SimulatorServer {
  readonly url: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #closing: Promise<void> | null = null;

  constructor(opts: SimulatorOptions) {
    super(opts);
    this.#server = Deno.serve({
      hostname: opts.hostname ?? "127.0.0.1",
      port: opts.port ?? 0,
      // The default onListen prints "Listening on ..." to stdout, which would corrupt an MCP stdio stream.
      onListen: () => {},
      // Requests released by close() reject with an AbortError; nothing is logged.
      onError: (error) =>
        error instanceof Error && error.name === "AbortError"
          ? errorResponse(503, "Simulator closed")
          : errorResponse(500, "Internal simulator error"),
    }, (req) => this.handleRequest(req, null));
    const { hostname, port } = this.#server.addr;
    this.url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.abortPending();
      this.#closing = this.#server.shutdown();
    }
    return this.#closing;
  }
}

/** Starts the simulator on `hostname:port` (default 127.0.0.1, ephemeral port). */
export function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorServer> {
  try {
    return Promise.resolve(new SimulatorServerImpl(opts));
  } catch (error) {
    return Promise.reject(error);
  }
}
