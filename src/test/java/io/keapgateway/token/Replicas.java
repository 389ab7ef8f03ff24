package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.LeakScan;
import io.keapgateway.testsupport.RedisProbe;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.TestRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * Several packaged gateway replicas sharing the local Redis under a prefix of their own, in front of one fake
 * Keap, with the OAuth app of connection {@code default} set from the environment. For the custody tests
 * that need more than one JVM.
 */
final class Replicas implements AutoCloseable {

    final FakeKeap keap = FakeKeap.start();
    final String prefix = TestRun.prefix(UUID.randomUUID().toString().substring(0, 8));
    final GatewayClient client = new GatewayClient();
    final RedisProbe redis;
    final List<GatewayProcess> gateways = new ArrayList<>();
    private final String redisUri;

    /** Starts {@code count} replicas (in parallel) with the given extra environment. */
    Replicas(int count, Map<String, String> extraEnvironment) throws Exception {
        this(count, extraEnvironment, "redis://localhost:6379");
    }

    /** Starts {@code count} replicas on the Redis at {@code redisUri}. */
    Replicas(int count, Map<String, String> extraEnvironment, String redisUri) throws Exception {
        this.redisUri = redisUri;
        this.redis = new RedisProbe(redisUri);
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        try {
            start(count, extraEnvironment);
        } catch (Exception | AssertionError e) {
            close(); // what did start must not outlive a failed start, nor its keys stay in Redis
            throw e;
        }
    }

    void start(int count, Map<String, String> extraEnvironment) throws Exception {
        Map<String, String> environment = environment(extraEnvironment);
        List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(environment);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Exception failure = null;
        for (CompletableFuture<GatewayProcess> replica : starting) {
            try {
                gateways.add(replica.get()); // every started replica is kept, so that close() stops it
            } catch (ExecutionException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        // Replicas started together seed `default` once between them, and each knows it from its first answer.
        for (GatewayProcess gateway : gateways) {
            client.adminJson("GET", gateway.url() + "/admin/connections/default", null, 200);
        }
    }

    /** Stops every replica, then starts {@code count} new ones with the given extra environment. */
    void restart(int count, Map<String, String> extraEnvironment) throws Exception {
        for (GatewayProcess gateway : gateways) {
            gateway.close();
        }
        gateways.clear();
        start(count, extraEnvironment);
    }

    private Map<String, String> environment(Map<String, String> extraEnvironment) {
        Map<String, String> environment = GatewayProcess.environment(keap.baseUrl(), prefix);
        environment.put("QUARKUS_REDIS_HOSTS", redisUri);
        environment.put("KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID);
        environment.put("KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
        // Custody is under test, not the limiter: its per-request Redis calls exhaust the client's connection
        // pool under 200 concurrent requests (ConnectionPoolTooBusyException answered as 502; reported).
        environment.put("KEAP_GATEWAY_LIMITS_ENABLED", "false");
        environment.putAll(extraEnvironment);
        return environment;
    }

    /** Replaces replica {@code index} by a new one with the given extra environment: one step of a rolling restart. */
    void roll(int index, Map<String, String> extraEnvironment) throws Exception {
        gateways.get(index).close();
        gateways.set(index, GatewayProcess.start(environment(extraEnvironment)));
    }

    /** Adopts a fresh grant of the fake as connection {@code default}, through replica 0. */
    void adoptGrant() {
        client.adminJson("POST", url(0) + "/admin/connections/default/tokens",
                "{\"refresh_token\":\"" + keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
    }

    /** Sends {@code count} proxied GETs at once, spread round-robin over {@code replicas}. */
    List<CompletableFuture<java.net.http.HttpResponse<String>>> sendAtOnce(int count, String key, int... replicas) {
        List<CompletableFuture<java.net.http.HttpResponse<String>>> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(client.proxiedGet(url(replicas[i % replicas.length]) + "/crm/rest/v1/contacts?n=" + i, key));
        }
        return requests;
    }

    String url(int replica) {
        return gateways.get(replica).url();
    }

    /** Issues a key through replica {@code via} and waits until every live replica knows it and the grant. */
    String issueKeyKnownEverywhere(int via) {
        JsonNode key = client.createKey(url(via), "custody-test", "default");
        String id = key.get("id").asText();
        for (int i = 0; i < gateways.size(); i++) {
            if (!gateways.get(i).isAlive()) {
                continue;
            }
            String base = url(i);
            awaitTrue("replica " + i + " knows the key and the grant", Duration.ofSeconds(10), () ->
                    client.admin("POST", base + "/admin/keys/" + id + "/check",
                            "{\"method\":\"GET\",\"path\":\"/crm/rest/v1/contacts\"}").statusCode() == 200
                    && "connected".equals(status(base).get("status").asText()));
        }
        return key.get("key").asText();
    }

    /**
     * Returns once no token call has reached the fake Keap for {@code quiet}: a check of a grant inside its refresh
     * margin starts a background refresh, which may still be on its way when a test starts counting.
     */
    void awaitTokenCallsQuiet(Duration quiet) {
        int[] seen = {keap.refreshCalls()};
        Instant[] since = {Instant.now()};
        awaitTrue("no token call for " + quiet, Duration.ofSeconds(30), () -> {
            int now = keap.refreshCalls();
            if (now != seen[0]) {
                seen[0] = now;
                since[0] = Instant.now();
            }
            return Instant.now().isAfter(since[0].plus(quiet));
        });
    }

    JsonNode status(String base) {
        return client.adminJson("GET", base + "/admin/connections/default", null, 200);
    }

    /** No OAuth secret in Redis, any replica's log, or any admin answer. */
    void assertNoSecretLeaked() throws Exception {
        var secrets = LeakScan.secretsSeenBy(keap);
        assertTrue(secrets.size() > 2, "the scan knows the tokens it looks for");
        LeakScan.assertNoneInRedis(redis, prefix, secrets);
        LeakScan.assertNoneIn("admin answers", client.adminAnswers(), secrets);
        for (GatewayProcess gateway : gateways) {
            LeakScan.assertNoneIn("the log of " + gateway.url(), gateway.logs(), secrets);
        }
    }

    /** Polls {@code condition} until it holds; a test waiting for something it can observe, not sleeping blind. */
    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what);
            }
        }
    }

    /**
     * Closes {@code replicas} (if started) running on {@code server}, a Redis of the test's own, then the
     * server. The server is started again first, in case the test left it stopped, so that the replicas' prefix
     * can be deleted.
     */
    static void closeOn(RedisServerProcess server, Replicas replicas) throws Exception {
        try {
            if (replicas != null) {
                server.start();
                replicas.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (GatewayProcess gateway : gateways) {
            gateway.close();
        }
        keap.close();
        try {
            redis.deleteAll(prefix);
        } finally {
            redis.close();
        }
    }
}
