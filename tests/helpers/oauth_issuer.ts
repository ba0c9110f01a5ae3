/**
 * A stand-in OAuth authorization server for tests: it publishes metadata and signing keys on loopback and
 * mints access tokens (JWTs) with whatever claims a test needs. It signs nothing on request; there is no
 * sign-in flow, only what a resource server reads.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface TestIssuer {
  /** The issuer identifier (its `iss`), e.g. http://127.0.0.1:1234/realms/test. */
  issuer: string;
  jwksUrl: string;
  /** Requests for the key set so far. */
  jwksFetches(): number;
  /** Signs a token: `sub` user-1, the given audience, 5 minutes of life, unless `claims` say otherwise. */
  mint(
    claims?: JWTPayload & { aud?: string | string[] },
    options?: { expiresIn?: string | number },
  ): Promise<string>;
  /** A token with valid claims signed by a key the issuer never published. */
  mintForged(claims?: JWTPayload): Promise<string>;
  /** Answer 503 on every route while true. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export interface TestIssuerOptions {
  /** Audience minted tokens carry unless a test gives one. */
  audience: string;
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
  let down = false;
  let issuer = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (down) return new Response("unavailable", { status: 503 });
    const url = new URL(request.url);
    const metadata = {
      issuer: options.advertisedIssuer ?? issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
    };
    const oauthPath = `/.well-known/oauth-authorization-server${path}`;
    const oidcPath = `${path}/.well-known/openid-configuration`;
    if (url.pathname === (options.discovery === "oidc" ? oidcPath : oauthPath)) {
      return Response.json(metadata);
    }
    if (url.pathname === `${path}/jwks`) {
      fetches++;
      return Response.json({ keys: [jwk] });
    }
    return new Response("not found", { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.addr.port}${path}`;
  const sign = (
    key: CryptoKey,
    claims: JWTPayload & { aud?: string | string[] },
    expiresIn: string | number,
  ) =>
    new SignJWT({ sub: "user-1", aud: options.audience, iss: issuer, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "test-key-1", typ: "at+jwt" })
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? expiresIn)
      .sign(key);
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    jwksFetches: () => fetches,
    mint: (claims = {}, mintOptions = {}) => sign(keys.privateKey, claims, mintOptions.expiresIn ?? "5m"),
    mintForged: (claims = {}) => sign(stranger.privateKey, claims, "5m"),
    setDown: (value) => void (down = value),
    close: () => server.shutdown(),
  };
}
