/**
 * A stand-in OAuth authorization server for tests: it publishes metadata and signing keys on loopback and
 * mints access tokens (JWTs) with whatever claims a test needs. Its one grant is `client_credentials` for
 * `TEST_CLIENT` (client_secret_basic), so that an SDK client can run discovery and get a token by itself;
 * there is no sign-in page. It also hands out opaque tokens and answers for them at its introspection endpoint
 * (RFC 7662), to `TEST_CLIENT` only.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** The one client the stand-in issuer knows, for the `client_credentials` grant. */
export const TEST_CLIENT = { id: "e2e-machine-client", secret: "e2e-machine-secret-0123456789" };
/**
 * A second client, known to the introspection endpoint only, whose id and secret need form-encoding in HTTP
 * Basic (RFC 6749 §2.3.1): a client that sends them raw is refused.
 */
export const ODD_CLIENT = { id: "xyte mcp:ops", secret: "p@ss:w%rd+1/2 é" };

export interface TestIssuer {
  /** The issuer identifier (its `iss`), e.g. http://127.0.0.1:1234/realms/test. */
  issuer: string;
  jwksUrl: string;
  /** Requests for the key set so far (answered or not: held, refused and garbled ones count too). */
  jwksFetches(): number;
  /** Requests for the metadata document so far (answered or not). */
  metadataFetches(): number;
  /**
   * Signs a token: `sub` user-1, the given audience, 5 minutes of life, unless `claims` say otherwise; with the
   * published key (RS256, kid test-key-1) unless `options` name another (`key` with its `alg` and `kid`).
   */
  mint(claims?: JWTPayload & { aud?: string | string[] }, options?: MintOptions): Promise<string>;
  /** Publishes these keys in the key set too, after the issuer's own (replacing those published before). */
  publish(keys: object[]): void;
  /**
   * An opaque token (`token`, or a new one) whose introspection answers `active: true` and these claims (sub,
   * aud, iss, exp by default; `undefined` leaves one out).
   */
  mintOpaque(claims?: Record<string, unknown>, token?: string): string;
  /** Makes an opaque token inactive, as if revoked. */
  revoke(token: string): void;
  /** The introspection endpoint's URL. */
  introspectionUrl: string;
  /** Requests to the introspection endpoint so far. */
  introspections(): number;
  /** Answer introspection with this status (and body, default `{}`, and headers) while set. */
  setIntrospectionStatus(
    status: number | undefined,
    answer?: { body?: string; headers?: Record<string, string> },
  ): void;
  /** A token with valid claims signed by a key the issuer never published. */
  mintForged(claims?: JWTPayload): Promise<string>;
  /** Answer 503 on every route while true. */
  setDown(down: boolean | "keys"): void;
  /** Never answer (hold every request open) while true; "keys": only requests for the key set. */
  setHanging(hanging: boolean | "keys"): void;
  /** Answer the key set with 200 and an HTML page while true. */
  setGarbledKeys(garbled: boolean): void;
  close(): Promise<void>;
}

/** How `mint` signs: the token's lifetime, its header's `kid`, `typ` and `alg`, and the private key. */
export interface MintOptions {
  expiresIn?: string | number;
  kid?: string;
  typ?: string;
  alg?: string;
  key?: CryptoKey;
}

export interface TestIssuerOptions {
  /** Audience minted tokens carry unless a test gives one. */
  audience: string;
  /**
   * `aud` of a `client_credentials` token when the client names no `resource` (RFC 8707), as authorization
   * servers with a default audience do; none by default.
   */
  defaultAudience?: string;
  /** Path of the issuer identifier (default /realms/test). */
  path?: string;
  /** Which metadata document is served: RFC 8414 (default) or OpenID Connect discovery only. */
  discovery?: "oauth" | "oidc";
  /** The `issuer` the metadata names (default: the real one; tests of spoofed metadata change it). */
  advertisedIssuer?: string;
}

export async function startTestIssuer(options: TestIssuerOptions): Promise<TestIssuer> {
  const path = options.path ?? "/realms/test";
  const keys = await generateKeyPair("RS256", { extractable: true });
  const stranger = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
  let fetches = 0;
  let metadataFetches = 0;
  let down: boolean | "keys" = false;
  let hanging: boolean | "keys" = false;
  let garbled = false;
  let published: object[] = [];
  let introspections = 0;
  let introspectionStatus: number | undefined;
  let introspectionAnswer: { body?: string; headers?: Record<string, string> } = {};
  const opaque = new Map<string, Record<string, unknown>>();
  /** Requests held open while hanging; answered 503 when it stops. */
  const held: ((response: Response) => void)[] = [];
  const release = () => held.splice(0).forEach((answer) => answer(new Response("late", { status: 503 })));
  let issuer = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname.includes("/.well-known/")) metadataFetches++;
    const keys = url.pathname === `${path}/jwks`;
    if (url.pathname === `${path}/introspect`) introspections++;
    if (keys) fetches++;
    if (hanging === true || (hanging === "keys" && keys)) {
      return new Promise<Response>((resolve) => held.push(resolve));
    }
    if (down === true || (down === "keys" && keys)) return new Response("unavailable", { status: 503 });
    if (garbled && keys) {
      return new Response("<html>maintenance</html>", { headers: { "content-type": "text/html" } });
    }
    const metadata = {
      issuer: options.advertisedIssuer ?? issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      introspection_endpoint: `${issuer}/introspect`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
    };
    if (url.pathname === `${path}/token` && request.method === "POST") return issueToken(request);
    if (url.pathname === `${path}/introspect` && request.method === "POST") return introspect(request);
    const oauthPath = `/.well-known/oauth-authorization-server${path}`;
    const oidcPath = `${path}/.well-known/openid-configuration`;
    if (url.pathname === (options.discovery === "oidc" ? oidcPath : oauthPath)) {
      return Response.json(metadata);
    }
    if (url.pathname === `${path}/jwks`) {
      return Response.json({ keys: [jwk, ...published] });
    }
    return new Response("not found", { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.addr.port}${path}`;
  /** RFC 7662: what an opaque token is, for TEST_CLIENT only; anything unknown or revoked is inactive. */
  const introspect = async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text());
    if (introspectionStatus !== undefined) {
      return new Response(introspectionAnswer.body ?? "{}", {
        status: introspectionStatus,
        headers: introspectionAnswer.headers,
      });
    }
    if (!knownClient(request.headers.get("authorization"))) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    const token = form.get("token");
    if (token === null) return Response.json({ error: "invalid_request" }, { status: 400 });
    const claims = opaque.get(token);
    return Response.json(claims ? { active: true, ...claims } : { active: false });
  };
  /** HTTP Basic as RFC 6749 §2.3.1 has it: id and secret form-encoded, then joined by a colon. */
  const knownClient = (authorization: string | null): boolean => {
    const match = /^Basic (.+)$/.exec(authorization ?? "");
    if (!match) return false;
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
    const colon = decoded.indexOf(":");
    const form = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
    const [id, secret] = [form(decoded.slice(0, colon)), form(decoded.slice(colon + 1))];
    return [TEST_CLIENT, ODD_CLIENT].some((client) => client.id === id && client.secret === secret);
  };
  /** client_credentials: a token for the requested `resource` (RFC 8707) and scope, its subject the client. */
  const issueToken = async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text());
    const basic = `Basic ${btoa(`${TEST_CLIENT.id}:${TEST_CLIENT.secret}`)}`;
    if (request.headers.get("authorization") !== basic) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (form.get("grant_type") !== "client_credentials") {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    const audience = form.get("resource") ?? options.defaultAudience;
    const claims = {
      sub: TEST_CLIENT.id,
      client_id: TEST_CLIENT.id,
      ...(audience ? { aud: audience } : {}),
      ...(form.get("scope") ? { scope: form.get("scope")! } : {}),
    };
    return Response.json({
      access_token: await sign(keys.privateKey, claims, "5m"),
      token_type: "Bearer",
      expires_in: 300,
      ...(claims.scope ? { scope: claims.scope } : {}),
    });
  };
  const sign = (
    key: CryptoKey,
    claims: JWTPayload & { aud?: string | string[] },
    expiresIn: string | number,
    header: MintOptions = {},
  ) =>
    new SignJWT({ sub: "user-1", aud: options.audience, iss: issuer, ...claims })
      .setProtectedHeader({
        alg: header.alg ?? "RS256",
        kid: header.kid ?? "test-key-1",
        typ: header.typ ?? "at+jwt",
      })
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? expiresIn)
      .sign(key);
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    jwksFetches: () => fetches,
    metadataFetches: () => metadataFetches,
    mint: (claims = {}, mintOptions = {}) =>
      sign(mintOptions.key ?? keys.privateKey, claims, mintOptions.expiresIn ?? "5m", mintOptions),
    publish: (extra) => void (published = extra),
    mintForged: (claims = {}) => sign(stranger.privateKey, claims, "5m"),
    mintOpaque: (claims = {}, token = `opaque-${crypto.randomUUID()}`) => {
      const exp = Math.floor(Date.now() / 1000) + 300;
      opaque.set(token, { sub: "user-1", aud: options.audience, iss: issuer, exp, ...claims });
      return token;
    },
    revoke: (token) => void opaque.delete(token),
    introspectionUrl: `${issuer}/introspect`,
    introspections: () => introspections,
    setIntrospectionStatus: (status, answer = {}) => {
      introspectionStatus = status;
      introspectionAnswer = answer;
    },
    setDown: (value) => void (down = value),
    setGarbledKeys: (value) => void (garbled = value),
    setHanging: (value) => {
      hanging = value;
      if (!value) release();
    },
    close: async () => {
      hanging = false;
      release();
      await server.shutdown();
    },
  };
}
