/**
 * The Kubernetes manifests in deploy/ against the server they run: every file parses; probes, ports and the
 * security context match the server and the image; every variable they set is one `SETTINGS` reads; secrets
 * arrive as files the binary may read (or secret references), never inline; selectors and references agree.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { DEFAULT_READ_PATHS } from "../../scripts/compile.ts";
import { SETTINGS } from "../../src/settings.ts";
import { PEER_WRITES_CHANNEL } from "../../src/mcp/peer_writes.ts";
import { checkRedis, connectRedis, pubSubNeeds, REDIS_KEY_PREFIX } from "../../src/redis.ts";
import { createRedisRateLimiter } from "../../src/transports/rate_limit.ts";
import { createRedisCacheStore } from "../../src/xyte/cache_store.ts";
import { argsOf, envOf, parseDockerfile } from "../helpers/dockerfile.ts";
import { startTestRedis } from "../helpers/redis.ts";

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;

const ROOT = new URL("../../", import.meta.url);
const DEPLOY = new URL("deploy/", ROOT);

const FILES = new Map<string, Manifest[]>();
for await (const entry of Deno.readDir(DEPLOY)) {
  if (!entry.isFile || !/\.ya?ml$/.test(entry.name)) continue;
  const text = await Deno.readTextFile(new URL(entry.name, DEPLOY));
  // YAML 1.1, as Kubernetes reads manifests (e.g. `defaultMode: 0440` is octal).
  const documents = parseAllDocuments(text, { version: "1.1" });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const doc of list) {
    assert.deepEqual(doc.errors.map((e) => e.message), [], `${entry.name} parses`);
  }
  FILES.set(entry.name, list.map((d) => d.toJS() as Manifest).filter((m) => m !== null));
}
const ALL = [...FILES.entries()].flatMap(([file, docs]) => docs.map((doc) => ({ file, doc })));

function find(kind: string, name: string): Manifest {
  const found = ALL.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name);
  assert.ok(found, `${kind}/${name} exists in deploy/`);
  return found.doc;
}

const SETTINGS_VARIABLES = new Set(
  SETTINGS.flatMap((s) => (s.env ?? []).flatMap((n) => (s.secret ? [n, `${n}_FILE`] : [n]))),
);
const SECRET_VARIABLES = new Set(SETTINGS.filter((s) => s.secret).flatMap((s) => s.env ?? []));
const FLAGS = new Set(SETTINGS.filter((s) => s.flag).map((s) => `--${s.flag}`));
const HTTP_SOURCE = await Deno.readTextFile(new URL("src/transports/http.ts", ROOT));
const DOCKERFILE = parseDockerfile(await Deno.readTextFile(new URL("Dockerfile", ROOT)));
const RUNTIME = DOCKERFILE.stages.at(-1)!;
const IMAGE_PORT = Number(envOf(RUNTIME).get("MCP_PORT"));

const deployment = find("Deployment", "xyte-mcp");
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: Manifest) => c.name === "xyte-mcp");
const secret = find("Secret", "xyte-mcp");
const configMap = find("ConfigMap", "xyte-mcp");

/** A probe's or Service's port (a number or a container port name) as a number. */
function portNumber(port: number | string, of: Manifest): number {
  if (typeof port === "number") return port;
  const named = (of.ports ?? []).find((p: Manifest) => p.name === port);
  assert.ok(named, `port ${port} is named on container ${of.name}`);
  return named.containerPort;
}

Deno.test("deploy/: every file parses to manifests with apiVersion and kind; kustomization lists existing files", () => {
  assert.ok(FILES.size >= 7, [...FILES.keys()].join(", "));
  for (const { file, doc } of ALL) {
    assert.equal(typeof doc.apiVersion, "string", `${file}: apiVersion`);
    assert.equal(typeof doc.kind, "string", `${file}: kind`);
    if (doc.kind !== "Kustomization") assert.equal(typeof doc.metadata?.name, "string", `${file}: name`);
  }
  const kustomization = ALL.find(({ doc }) => doc.kind === "Kustomization")?.doc;
  assert.ok(kustomization);
  for (const resource of kustomization.resources) assert.ok(FILES.has(resource), `${resource} exists`);
  for (
    const kind of ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap"]
  ) {
    assert.ok(
      kustomization.resources.some((r: string) => FILES.get(r)?.some((d) => d.kind === kind)),
      `kustomization includes the ${kind}`,
    );
  }
  for (const { file, doc } of ALL) {
    for (const c of doc.spec?.template?.spec?.containers ?? []) {
      assert.match(c.image, /^[^:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, `${file}: ${c.image} pinned`);
      assert.ok(!c.image.endsWith(":latest"), `${file}: ${c.image} not latest`);
    }
  }
});

Deno.test("deploy/: probes and ports match the server: /healthz, /readyz, 8080", () => {
  assert.match(HTTP_SOURCE, /app\.get\(\s*"\/healthz"/, "the server serves /healthz");
  assert.match(HTTP_SOURCE, /app\.get\(\s*"\/readyz"/, "the server serves /readyz");
  const port = SETTINGS.find((s) => s.id === "port")?.default;
  assert.equal(IMAGE_PORT, 8080);
  assert.equal(String(IMAGE_PORT), port, "the image listens on the server's default port");
  assert.deepEqual(
    container.ports.map((p: Manifest) => [p.name, p.containerPort]),
    [["http", IMAGE_PORT]],
  );
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.startupProbe?.httpGet.path ?? "/healthz", "/healthz");
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (!container[probe]) continue;
    assert.equal(portNumber(container[probe].httpGet.port, container), IMAGE_PORT, `${probe} port`);
  }
  const service = find("Service", "xyte-mcp");
  const [servicePort] = service.spec.ports;
  assert.equal(portNumber(servicePort.targetPort, container), IMAGE_PORT, "the Service reaches the server");
  const env = new Map(
    (container.env ?? []).map((e: Manifest) => [e.name, e.value]).concat(
      Object.entries(configMap.data ?? {}),
    ),
  );
  assert.ok(!env.has("MCP_PORT") || env.get("MCP_PORT") === String(IMAGE_PORT), "MCP_PORT stays 8080");
  assert.ok(!env.has("MCP_HOST") || env.get("MCP_HOST") === "0.0.0.0", "MCP_HOST stays the baked bind");
});

Deno.test("deploy/: the pod waits before SIGTERM, and its grace covers that wait and the drain", () => {
  const preStop = container.lifecycle?.preStop;
  assert.ok(preStop?.sleep, "a preStop sleep action (the image has no shell for an exec sleep)");
  const wait = Number(preStop.sleep.seconds);
  assert.ok(wait >= 3 && wait <= 15, `a few seconds for endpoint removal to propagate (${wait} s)`);
  const drainMs = Number(configMap.data.MCP_SHUTDOWN_GRACE_MS);
  assert.ok(Number.isFinite(drainMs), "the ConfigMap sets MCP_SHUTDOWN_GRACE_MS");
  assert.ok(
    pod.terminationGracePeriodSeconds >= wait + drainMs / 1000 + 5,
    "termination grace > preStop sleep + drain + time to close",
  );
});

Deno.test("deploy/: non-root, read-only, no privilege escalation, all capabilities dropped", () => {
  const image = RUNTIME.instructions.filter((i) => i.keyword === "USER").at(-1)!.value.split(":");
  for (const { file, doc } of ALL) {
    const spec = doc.spec?.template?.spec;
    if (!spec) continue;
    assert.equal(spec.securityContext?.runAsNonRoot, true, `${file}: pod runAsNonRoot`);
    assert.equal(spec.securityContext?.seccompProfile?.type, "RuntimeDefault", `${file}: seccomp`);
    assert.equal(spec.automountServiceAccountToken, false, `${file}: no service account token`);
    for (const c of spec.containers) {
      const ctx = c.securityContext ?? {};
      assert.equal(ctx.allowPrivilegeEscalation, false, `${file}/${c.name}: allowPrivilegeEscalation`);
      assert.equal(ctx.readOnlyRootFilesystem, true, `${file}/${c.name}: readOnlyRootFilesystem`);
      assert.deepEqual(ctx.capabilities?.drop, ["ALL"], `${file}/${c.name}: capabilities`);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${file}/${c.name}: requests`);
      assert.ok(c.resources?.limits?.memory, `${file}/${c.name}: memory limit`);
    }
  }
  assert.equal(String(pod.securityContext.runAsUser), image[0], "the image's user");
  assert.equal(String(pod.securityContext.runAsGroup), image[1] ?? image[0], "the image's group");
});

Deno.test("deploy/: --stateless, and every variable set is one SETTINGS reads; secrets come from files or refs", () => {
  assert.ok(container.args.includes("--stateless"), "stateless for scale-out");
  for (const arg of container.args) assert.ok(FLAGS.has(arg), `${arg} is a flag of the server`);
  for (const key of Object.keys(configMap.data)) {
    assert.ok(SETTINGS_VARIABLES.has(key), `ConfigMap ${key} is a setting`);
    assert.ok(!SECRET_VARIABLES.has(key) && !key.endsWith("_FILE"), `ConfigMap ${key}: no secrets there`);
  }
  assert.ok(
    container.envFrom.some((e: Manifest) => e.configMapRef?.name === configMap.metadata.name),
    "the Deployment loads the ConfigMap",
  );
  const mounts = new Map<string, Manifest>(
    container.volumeMounts.map((
      m: Manifest,
    ) => [m.mountPath, pod.volumes.find((v: Manifest) => v.name === m.name)]),
  );
  const secretKeys = new Set(Object.keys(secret.stringData ?? secret.data ?? {}));
  for (const env of container.env) {
    assert.ok(SETTINGS_VARIABLES.has(env.name), `env ${env.name} is a setting`);
    if (SECRET_VARIABLES.has(env.name)) {
      assert.ok(env.value === undefined, `${env.name}: no inline secret value`);
      const ref = env.valueFrom?.secretKeyRef;
      assert.ok(ref, `${env.name} comes from a Secret`);
      assert.equal(ref.name, secret.metadata.name);
      assert.ok(secretKeys.has(ref.key), `${env.name}: the Secret example has ${ref.key}`);
    }
    if (env.name.endsWith("_FILE")) {
      const path: string = env.value;
      assert.ok(
        DEFAULT_READ_PATHS.some((dir) => path.startsWith(`${dir}/`)),
        `${env.name}=${path} is readable by the binary (--allow-read ${DEFAULT_READ_PATHS.join(",")})`,
      );
      const dir = path.slice(0, path.lastIndexOf("/"));
      const volume = mounts.get(dir);
      assert.equal(volume?.secret?.secretName, secret.metadata.name, `${env.name}: ${dir} mounts the Secret`);
      assert.ok(secretKeys.has(path.slice(dir.length + 1)), `${env.name}: the Secret example has the file`);
      const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === dir);
      assert.equal(mount.readOnly, true, `${dir} is mounted read-only`);
    }
  }
  const secretVolume = pod.volumes.find((v: Manifest) => v.secret?.secretName === secret.metadata.name);
  const mode: number = secretVolume.secret.defaultMode ?? 0o644;
  const groupReadable = pod.securityContext.fsGroup === pod.securityContext.runAsGroup &&
    (mode & 0o040) !== 0;
  assert.ok(
    groupReadable || (mode & 0o004) !== 0,
    `secret files (mode ${mode.toString(8)}) readable by the server`,
  );
  assert.equal(mode & 0o002, 0, "secret files are not writable by others");
  const names = new Set(container.env.map((e: Manifest) => e.name));
  assert.ok(names.has("MCP_HTTP_TOKEN_FILE"), "the inbound token is required on 0.0.0.0");
  for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
    assert.match(value, /^replace-with-|^redis:\/\//, `Secret example ${key} holds a placeholder`);
  }
  const grace = Number(configMap.data.MCP_SHUTDOWN_GRACE_MS ?? 10_000);
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > grace, "the pod outlives the drain");
});

Deno.test("deploy/: Service, HPA and PDB select the Deployment; the optional Redis matches REDIS_URL and the image", () => {
  const labels = deployment.spec.template.metadata.labels;
  const matches = (selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert.ok(matches(deployment.spec.selector.matchLabels));
  assert.ok(matches(find("Service", "xyte-mcp").spec.selector), "Service selects the pods");
  const pdb = find("PodDisruptionBudget", "xyte-mcp");
  assert.ok(matches(pdb.spec.selector.matchLabels), "PDB selects the pods");
  const hpa = find("HorizontalPodAutoscaler", "xyte-mcp");
  assert.deepEqual(
    [hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name],
    ["Deployment", deployment.metadata.name],
  );
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.minReplicas <= hpa.spec.maxReplicas);
  assert.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, "a node drain can proceed");

  const redisUrl = new URL(secret.stringData["redis-url"]);
  const redisService = find("Service", redisUrl.hostname);
  assert.equal(Number(redisUrl.port), redisService.spec.ports[0].port);
  const redis = find("Deployment", redisUrl.hostname);
  const redisLabels = redis.spec.template.metadata.labels;
  assert.ok(Object.entries(redisService.spec.selector).every(([k, v]) => redisLabels[k] === v));
  const redisContainer = redis.spec.template.spec.containers[0];
  assert.equal(portNumber(redisService.spec.ports[0].targetPort, redisContainer), 6379);
  assert.equal(
    argsOf(DOCKERFILE.stages[0]!.instructions).get("REDIS"),
    redisUrl.host,
    "the image may connect to the Redis the manifests deploy (baked --allow-net)",
  );
  const redisEnv = container.env.find((e: Manifest) => e.name === "REDIS_URL");
  assert.equal(redisEnv.valueFrom.secretKeyRef.optional, true, "Redis is optional");

  // Only the server's pods reach Redis, on its port.
  const policy = find("NetworkPolicy", redisUrl.hostname);
  assert.ok(Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => redisLabels[k] === v));
  assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
  assert.equal(policy.spec.ingress.length, 1);
  const [rule] = policy.spec.ingress;
  assert.deepEqual(rule.from.map((f: Manifest) => matches(f.podSelector.matchLabels)), [true]);
  assert.deepEqual(rule.ports.map((p: Manifest) => p.port), [6379]);
});

// ---------------------------------------------------------------------------------------------------------
// The shipped Redis requires a password, and redis-url carries it

const redisUrl = new URL(secret.stringData["redis-url"]);
const redisPod = find("Deployment", redisUrl.hostname).spec.template.spec;
const redisContainer: Manifest = redisPod.containers.find((c: Manifest) => c.name === "redis");

/** redis-server's arguments as the configuration directives they are: `--user a on …` → ["user", [a, on, …]]. */
function redisDirectives(args: readonly string[]): [string, string[]][] {
  const directives: [string, string[]][] = [];
  for (const arg of args) {
    if (arg.startsWith("--")) directives.push([arg.slice(2), []]);
    else {
      assert.ok(directives.length > 0, `redis-server argument ${arg} follows a --directive`);
      directives.at(-1)![1].push(arg);
    }
  }
  return directives;
}

const REDIS_DIRECTIVES = redisDirectives(redisContainer.args ?? []);
/** The rules of each user the arguments define (`--user <name> <rules…>`), by name. */
const REDIS_USERS = new Map(
  REDIS_DIRECTIVES.filter(([name]) => name === "user").map(([, [user, ...rules]]) => [user!, rules]),
);

/**
 * The Secret key a `$(VAR)` in the Redis container's arguments stands for (Kubernetes puts the variable's value
 * there): VAR must come from the xyte-mcp Secret, from a key its example has.
 */
function redisSecretKey(reference: string): string {
  const variable = /^\$\(([A-Z_][A-Z0-9_]*)\)$/.exec(reference)?.[1];
  assert.ok(variable, `${reference} is a $(VAR) reference, not a password written into the manifest`);
  const env = (redisContainer.env ?? []).find((e: Manifest) => e.name === variable);
  const ref = env?.valueFrom?.secretKeyRef;
  assert.ok(ref && env.value === undefined, `${variable} comes from a Secret`);
  assert.equal(ref.name, secret.metadata.name);
  assert.notEqual(ref.optional, true, `Redis does not start without ${ref.key}`);
  assert.ok(ref.key in secret.stringData, `the Secret example has ${ref.key}`);
  return ref.key;
}

Deno.test("deploy/: the shipped Redis requires a password, and redis-url carries its user and password", () => {
  // Nobody gets in without the password: the default user (which needs none) is off, or has a password.
  const requirePass = REDIS_DIRECTIVES.find(([name]) => name === "requirepass")?.[1][0];
  const defaultRules = REDIS_USERS.get("default");
  assert.ok(
    (defaultRules?.includes("off") && !defaultRules.includes("on")) || requirePass !== undefined,
    "Redis runs with the default user off (--user default off) or with --requirepass",
  );
  if (requirePass !== undefined) redisSecretKey(requirePass);
  for (const [user, rules] of REDIS_USERS) {
    if (!rules.includes("on")) continue;
    assert.ok(!rules.includes("nopass"), `Redis user ${user} needs a password`);
    const passwords = rules.filter((r) => r.startsWith(">"));
    assert.equal(passwords.length, 1, `Redis user ${user} has one password`);
    redisSecretKey(passwords[0]!.slice(1));
  }

  // The URL names a user Redis has and its password: the same Secret key's value, percent-encoded.
  assert.notEqual(redisUrl.password, "", "redis-url carries a password");
  const user = decodeURIComponent(redisUrl.username) || "default";
  const password = decodeURIComponent(redisUrl.password);
  const rules = REDIS_USERS.get(user);
  const passwordKey = rules
    ? redisSecretKey(rules.find((r) => r.startsWith(">"))!.slice(1))
    : (assert.equal(user, "default", `redis-url's user ${user} is a user of Redis`),
      redisSecretKey(requirePass!));
  assert.equal(
    password,
    secret.stringData[passwordKey],
    `redis-url's password is the Secret's ${passwordKey}`,
  );

  // Its user may run what the server needs, on the server's keys and channel, and nothing more.
  if (rules) {
    assert.ok(rules.includes("on"), `Redis user ${user} is on`);
    const broad = ["+@all", "allcommands", "allkeys", "~*", "allchannels", "&*"];
    assert.deepEqual(rules.filter((r) => broad.includes(r)), [], `Redis user ${user}: no blanket grant`);
    const allowed = rules.findIndex((r) => r.startsWith("+"));
    assert.ok(rules.includes("-@all") && rules.indexOf("-@all") < allowed, "commands start from none");
    assert.deepEqual(rules.filter((r) => r.startsWith("~") || r === "allkeys"), [`~${REDIS_KEY_PREFIX}*`]);
    assert.ok(rules.includes("resetchannels"), "channels start from none");
    assert.deepEqual(rules.filter((r) => r.startsWith("&") || r === "allchannels"), [
      `&${PEER_WRITES_CHANNEL}`,
    ]);
    assert.ok(rules.every((r) => !r.startsWith("+@")), "no command category: the commands by name");
  }

  // The readiness probe signs in (redis-cli reads the password from REDISCLI_AUTH) and passes on PONG only:
  // redis-cli exits 0 when Redis answers NOAUTH or WRONGPASS.
  const probe: string[] = redisContainer.readinessProbe.exec.command;
  assert.deepEqual(probe.slice(0, 2), ["sh", "-c"]);
  assert.match(probe[2]!, /^redis-cli .*ping \| grep -qx PONG$/);
  if (user !== "default") assert.ok(probe[2]!.includes(`--user ${user} `), "the probe signs in as the user");
  const auth = redisContainer.env.find((e: Manifest) => e.name === "REDISCLI_AUTH");
  assert.equal(auth?.valueFrom?.secretKeyRef?.key, passwordKey, "the probe's password");
});

Deno.test("deploy/: the shipped Redis user's permissions pass the server's start-up check on a real Redis", async (t) => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  const name = `deploy-test-${crypto.randomUUID()}`;
  const password = crypto.randomUUID();
  const { Redis } = await import("ioredis");
  const admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    // The manifest's rules for the URL's user, the password Kubernetes would put in place of $(VAR).
    const rules = REDIS_USERS.get(decodeURIComponent(redisUrl.username));
    assert.ok(rules, "redis-url names a user of the shipped Redis");
    await admin.call(
      "ACL",
      "SETUSER",
      name,
      ...rules.map((rule) => rule.startsWith(">$(") ? `>${password}` : rule),
    );
    const url = new URL(server.url);
    url.username = name;
    url.password = password;
    const client = await connectRedis(url.href);
    try {
      await t.step(
        "what the server needs (the cache, the rate limiter, write announcements) passes",
        async () => {
          await checkRedis(client, url.href, [
            ...createRedisCacheStore(client).redisNeeds ?? [],
            ...createRedisRateLimiter(client, { perMinute: 60, burst: 3 }).redisNeeds ?? [],
            ...pubSubNeeds(client, PEER_WRITES_CHANNEL),
          ]);
        },
      );
      await t.step("keys of others are out of its reach", async () => {
        await assert.rejects(client.get("someone-else:key"), /NOPERM/);
        await assert.rejects(client.call("FLUSHALL"), /NOPERM/);
      });
    } finally {
      client.disconnect();
    }
  } finally {
    await admin.call("ACL", "DELUSER", name);
    admin.disconnect();
    await server.close();
  }
});
