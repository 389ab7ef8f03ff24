package io.keapgateway.replicas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisTopology;
import io.keapgateway.testsupport.TestRun;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The replica suite for keys and limits, run by each subclass against a Redis topology of its own (one per
 * class, started in the subclass's {@code @BeforeAll} through {@link #startReplicas}): two packaged
 * replicas A and B in front of one fake Keap, with connection {@code default} on a Keap api key.
 */
abstract class TopologySuite {

    static final GatewayClient CLIENT = new GatewayClient();

    static RedisTopology topology;
    static FakeKeap keap;
    static GatewayProcess a;
    static GatewayProcess b;

    /** Starts Keap and both replicas on {@code redis} (which {@link #stopAll} closes last). */
    static void startReplicas(RedisTopology redis) throws Exception {
        topology = redis;
        keap = FakeKeap.start();
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(),
                TestRun.prefix(UUID.randomUUID().toString().substring(0, 8)));
        env.put("KEAP_GATEWAY_API_KEY", FakeKeapResource.API_KEY);
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", "1000");
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", "1000");
        env.putAll(redis.environment());
        CompletableFuture<GatewayProcess> first = CompletableFuture.supplyAsync(() -> launch(env));
        CompletableFuture<GatewayProcess> second = CompletableFuture.supplyAsync(() -> launch(env));
        a = first.get();
        b = second.get();
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (AutoCloseable running : new AutoCloseable[] {a, b, keap, topology}) {
            if (running != null) {
                running.close();
            }
        }
    }

    @Test
    void aKeyMadeOnOneReplicaWorksOnTheOtherAtItsVeryFirstRequest() {
        for (int i = 0; i < 5; i++) {
            String key = createKey(a, "{\"name\":\"first-" + i + "\"}");
            assertThat(proxied(b, key).statusCode()).as("B's first answer to a key made on A").isEqualTo(200);
        }
    }

    @Test
    void aSecretRotatedOnOneReplicaWorksOnTheOtherAtItsVeryFirstRequest() {
        // Its own rate: 150 requests in a few seconds are past a key's default one.
        String key = createKey(a, "{\"name\":\"rotated\",\"rate\":{\"per_second\":500,\"burst\":500}}");
        assertThat(proxied(b, key).statusCode()).as("B holds the key now").isEqualTo(200);
        for (int i = 0; i < 50; i++) {
            String previous = key;
            key = CLIENT.adminJson("POST", a.url() + "/admin/keys/" + idOf(key) + "/rotate",
                    "{\"grace_seconds\":60}", 200).path("key").asText();
            HttpResponse<String> first = proxied(b, key);
            assertThat(first.statusCode()).as("B's first answer to rotation %d's secret: %s", i, first.body())
                    .isEqualTo(200);
            HttpResponse<String> old = proxied(b, previous);
            assertThat(old.statusCode()).as("the previous secret in its grace: %s", old.body()).isEqualTo(200);
        }
    }

    @Test
    void revocationReachesTheOtherReplicaWithinASecond() {
        String key = createKey(a, "{\"name\":\"revoked\"}");
        assertThat(proxied(b, key).statusCode()).isEqualTo(200);

        CLIENT.adminJson("DELETE", a.url() + "/admin/keys/" + idOf(key), null, 204);
        Instant revoked = Instant.now();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> proxied(b, key).statusCode() == 401);

        assertThat(Duration.between(revoked, Instant.now())).isLessThan(Duration.ofSeconds(1));
        assertThat(GatewayClient.parse(proxied(b, key).body()).path("code").asText()).isEqualTo("key_revoked");
    }

    @Test
    void aPatchRacingARevocationNeverBringsTheKeyBack() throws Exception {
        for (int i = 0; i < 10; i++) {
            String id = idOf(createKey(a, "{\"name\":\"race-" + i + "\"}"));
            CompletableFuture<HttpResponse<String>> revoke = CompletableFuture.supplyAsync(
                    () -> CLIENT.admin("DELETE", a.url() + "/admin/keys/" + id, null));
            CompletableFuture<HttpResponse<String>> patch = CompletableFuture.supplyAsync(
                    () -> CLIENT.admin("PATCH", b.url() + "/admin/keys/" + id, "{\"name\":\"patched-" + id + "\"}"));

            assertThat(revoke.get().statusCode()).as(revoke.get().body()).isEqualTo(204);
            assertThat(patch.get().statusCode()).as(patch.get().body()).isIn(200, 409);
            if (patch.get().statusCode() == 409) {
                assertThat(patch.get().headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(GatewayClient.parse(patch.get().body()).path("code").asText()).isEqualTo("conflict");
            }
            for (GatewayProcess replica : new GatewayProcess[] {a, b}) {
                JsonNode stored = CLIENT.adminJson("GET", replica.url() + "/admin/keys/" + id, null, 200);
                assertThat(stored.path("revoked_at").isTextual()).as("revoked_at of %s", stored).isTrue();
            }
        }
    }

    @Test
    void bothReplicasTogetherHoldAKeysRateInRedis() {
        String key = createKey(a, "{\"name\":\"limited\",\"rate\":{\"per_second\":2,\"burst\":4}}");
        proxied(b, key); // B knows the key now too
        Instant start = Instant.now();
        int allowed = 0;
        for (int i = 0; i < 20; i++) {
            int status = proxied(i % 2 == 0 ? a : b, key).statusCode();
            assertThat(status).isIn(200, 429);
            allowed += status == 200 ? 1 : 0;
        }
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        // The first request above took one token; then a full bucket of 4 and 2 per second.
        assertThat(allowed).as("allowed in %.1f s", seconds).isLessThanOrEqualTo(4 + (int) Math.ceil(2 * seconds) + 1);
        for (GatewayProcess replica : new GatewayProcess[] {a, b}) {
            assertThat(CLIENT.get(replica.managementUrl() + "/q/metrics").body())
                    .as("Redis decided, not each replica alone")
                    .containsPattern("keap_gateway_ratelimit_local_mode(\\{[^}]*\\})? 0\\.0");
        }
    }

    static String createKey(GatewayProcess via, String json) {
        return CLIENT.adminJson("POST", via.url() + "/admin/keys", json, 201).path("key").asText();
    }

    static HttpResponse<String> proxied(GatewayProcess via, String key) {
        return CLIENT.proxiedGet(via.url() + "/crm/rest/v1/contacts", key).join();
    }

    static String idOf(String key) {
        return key.split("_")[1];
    }

    private static GatewayProcess launch(Map<String, String> env) {
        try {
            return GatewayProcess.start(env);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
