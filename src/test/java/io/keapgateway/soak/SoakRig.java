package io.keapgateway.soak;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.RedisTopology;
import io.keapgateway.testsupport.TestRun;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a soak run runs against: three packaged replicas (the JVM jar, or the native executable when the build
 * made one), each on a fixed port so that a restarted replica is found where it was; a real Redis of the run's
 * own (standalone or Sentinel); the fake Keap. Knows which replica is down or frozen, and since when, so that a
 * request that met a stopped process is not taken for a gateway that hangs.
 */
final class SoakRig implements AutoCloseable {

    static final int REPLICAS = 3;
    /** Token settings shortened so that refreshes, leases and quiet times all happen within minutes. */
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(5);
    static final Duration TOKEN_CALL_LIMIT = Duration.ofSeconds(15);
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    /** The longest a proxied request may take: waiting for two refreshes, then Keap's answer, plus slack. */
    static final Duration REQUEST_BUDGET = LEASE.plus(TOKEN_TIMEOUT).multipliedBy(2).plus(RESPONSE_TIMEOUT)
            .plusSeconds(10);

    final FakeKeap keap = FakeKeap.start();
    final String prefix = TestRun.prefix("soak-" + UUID.randomUUID().toString().substring(0, 8));
    private final SoakPlan plan;
    private final RedisServerProcess standalone;
    private final RedisTopology sentinel;
    private final Map<String, String> environment;
    private final int[] ports = new int[REPLICAS];
    private final GatewayProcess[] replicas = new GatewayProcess[REPLICAS];
    /** Since when each replica cannot answer (killed, stopping or frozen); null while it serves. */
    private final Instant[] unavailableSince = new Instant[REPLICAS];
    /** When each replica last became able to answer again. */
    private final Instant[] availableSince = new Instant[REPLICAS];

    SoakRig(SoakPlan plan) throws Exception {
        this.plan = plan;
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        keap.setAccessTokenLifetime(plan.lifetimes()[0]);
        environment = GatewayProcess.environment(keap.baseUrl(), prefix);
        if (plan.topology().equals(SoakPlan.SENTINEL)) {
            sentinel = RedisTopology.sentinel();
            standalone = null;
            environment.putAll(sentinel.environment());
        } else {
            standalone = RedisServerProcess.startDurableOnFreePort();
            sentinel = null;
            environment.put("QUARKUS_REDIS_HOSTS", standalone.uri());
        }
        environment.put("KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID);
        environment.put("KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
        environment.put("KEAP_GATEWAY_OAUTH_LEASE_TTL", LEASE.toSeconds() + "s");
        environment.put("KEAP_GATEWAY_OAUTH_TOKEN_TIMEOUT", TOKEN_TIMEOUT.toSeconds() + "s");
        environment.put("KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", TOKEN_CALL_LIMIT.toSeconds() + "s");
        environment.put("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "5s");
        environment.put("KEAP_GATEWAY_OAUTH_SHUTDOWN_DRAIN", "10s");
        environment.put("KEAP_GATEWAY_PROXY_RESPONSE_TIMEOUT", RESPONSE_TIMEOUT.toSeconds() + "s");
        environment.put("KEAP_GATEWAY_LIMITS_LOCAL_REPLICA_FLOOR", Integer.toString(REPLICAS));
        environment.put("QUARKUS_SHUTDOWN_DELAY", "1s");
        environment.put("QUARKUS_SHUTDOWN_TIMEOUT", "10s");
        for (int i = 0; i < REPLICAS; i++) {
            ports[i] = GatewayProcess.freePort();
        }
        List<Thread> starting = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            int replica = i;
            Thread thread = new Thread(() -> {
                try {
                    start(replica);
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            thread.start();
            starting.add(thread);
        }
        for (Thread thread : starting) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            close();
            throw failures.get(0);
        }
    }

    SoakPlan plan() {
        return plan;
    }

    String url(int replica) {
        return "http://localhost:" + ports[replica];
    }

    /**
     * Starts replica {@code replica} (again) on its port and waits until it is ready. Tried up to three times:
     * the management port is a free one picked at launch, which another process on this machine may take first.
     */
    void start(int replica) throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(environment);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(ports[replica]));
        GatewayProcess process = null;
        for (int attempt = 1; process == null; attempt++) {
            try {
                process = GatewayProcess.start(env);
            } catch (IOException | RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.out.println("SOAK replica " + replica + " did not start (" + e.getMessage().lines().findFirst()
                        .orElse("") + "); trying again");
            }
        }
        synchronized (this) {
            replicas[replica] = process;
            unavailableSince[replica] = null;
            availableSince[replica] = Instant.now();
        }
    }

    synchronized GatewayProcess process(int replica) {
        return replicas[replica];
    }

    /** Marks {@code replica} as not answering from now (before the signal is sent). */
    synchronized void unavailable(int replica) {
        if (unavailableSince[replica] == null) {
            unavailableSince[replica] = Instant.now();
        }
    }

    /** The replica answers again (thawed). */
    synchronized void available(int replica) {
        unavailableSince[replica] = null;
        availableSince[replica] = Instant.now();
    }

    synchronized boolean serving(int replica) {
        return unavailableSince[replica] == null && replicas[replica] != null && replicas[replica].isAlive();
    }

    /** Whether {@code replica} stopped answering at any moment between {@code from} and now. */
    synchronized boolean disturbedSince(int replica, Instant from) {
        return unavailableSince[replica] != null || availableSince[replica].isAfter(from);
    }

    /** Replicas serving now. */
    synchronized List<Integer> serving() {
        List<Integer> serving = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            if (serving(i)) {
                serving.add(i);
            }
        }
        return serving;
    }

    // ---- Redis --------------------------------------------------------------------------------------

    boolean sentinel() {
        return sentinel != null;
    }

    /** Standalone: the server, to kill, stop and start. */
    RedisServerProcess server() {
        return standalone;
    }

    /** The node taking writes now. */
    int primaryPort() throws IOException {
        return sentinel != null ? sentinel.primaryPort() : standalone.port();
    }

    void flushAll() throws IOException {
        try (RedisPeek peek = new RedisPeek(primaryPort())) {
            peek.call("FLUSHALL");
        }
    }

    int failOver() throws IOException {
        return sentinel.failOver();
    }

    /** Every key of the run's prefix, for the leak scan. */
    Map<String, String> redisContents() throws IOException {
        try (io.keapgateway.testsupport.RedisProbe probe = new io.keapgateway.testsupport.RedisProbe(
                "redis://127.0.0.1:" + primaryPort())) {
            return probe.contents(prefix);
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < REPLICAS; i++) {
            GatewayProcess process = replicas[i];
            if (process != null) {
                try {
                    process.thaw();
                } catch (Exception ignored) {
                    // not frozen, or gone
                }
                process.close();
            }
        }
        keap.close();
        if (standalone != null) {
            standalone.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
    }
}
