package io.keapgateway.replicas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keapgateway.store.StoreNames;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.TestRun;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys stay consistent between the store and each replica's memory when Redis misbehaves: a reload that
 * fails, a stale copy coming back (as after a fail-over to a lagging replica), Redis down during admin
 * calls, guessed key ids, and documents written by the previous version. Each test has a private Redis.
 */
class KeyConsistencyIT {

    private static final GatewayClient CLIENT = new GatewayClient();
    private static final String GUESSED = "kgw_Guessed00000_" + "x".repeat(43);

    private final String prefix = TestRun.prefix(UUID.randomUUID().toString().substring(0, 8));
    private FakeKeap keap;
    private RedisServerProcess redis;

    @BeforeEach
    void start() throws IOException {
        keap = FakeKeap.start();
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        redis = RedisServerProcess.startDurableOnFreePort();
    }

    @AfterEach
    void stop() throws Exception {
        keap.close();
        redis.close();
    }

    @Test
    void aReloadThatFailsIsTriedAgainSoTheRevocationIsNotLost() throws Exception {
        try (GatewayProcess a = gateway(Map.of()); GatewayProcess b = gateway(Map.of())) {
            String key = TopologySuite.createKey(a, "{\"name\":\"revoked-while-reloads-fail\"}");
            assertThat(TopologySuite.proxied(b, key).statusCode()).isEqualTo(200);

            redis("ACL", "SETUSER", "default", "-hgetall"); // every reload fails; single reads still work
            CLIENT.adminJson("DELETE", a.url() + "/admin/keys/" + TopologySuite.idOf(key), null, 204);
            await().atMost(Duration.ofSeconds(30)).until(() -> b.logs().contains("The store does not answer"));
            redis("ACL", "SETUSER", "default", "+hgetall");

            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> TopologySuite.proxied(b, key).statusCode() == 401);
        }
    }

    @Test
    void aStaleCopyComingBackDoesNotUndoARevocation() throws Exception {
        try (GatewayProcess a = gateway(Map.of()); GatewayProcess b = gateway(Map.of())) {
            String key = TopologySuite.createKey(a, "{\"name\":\"stale\"}");
            String id = TopologySuite.idOf(key);
            String beforeRevocation = (String) redis("HGET", prefix + StoreNames.KEYS, id);
            CLIENT.adminJson("DELETE", a.url() + "/admin/keys/" + id, null, 204);
            await().atMost(Duration.ofSeconds(5)).until(() -> TopologySuite.proxied(b, key).statusCode() == 401);

            // What a fail-over to a replica that missed the revocation looks like.
            redis("HSET", prefix + StoreNames.KEYS, id, beforeRevocation);
            redis("SET", prefix + StoreNames.REVISION, "1");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    (String) redis("HGET", prefix + StoreNames.KEYS, id)).contains("\"revoked_at\""));
            for (int i = 0; i < 20; i++) {
                assertThat(TopologySuite.proxied(i % 2 == 0 ? a : b, key).statusCode()).isEqualTo(401);
            }
        }
    }

    @Test
    void adminCallsAnswerStoreUnavailableAndApplyNothingWhileRedisIsDown() throws Exception {
        try (GatewayProcess gateway = gateway(Map.of())) {
            String key = TopologySuite.createKey(gateway, "{\"name\":\"before\"}");
            String keyUrl = gateway.url() + "/admin/keys/" + TopologySuite.idOf(key);
            redis.stop();

            assertStoreUnavailable(CLIENT.admin("POST", gateway.url() + "/admin/keys", "{\"name\":\"during\"}"));
            assertStoreUnavailable(CLIENT.admin("PATCH", keyUrl, "{\"name\":\"during\"}"));
            assertStoreUnavailable(CLIENT.admin("DELETE", keyUrl, null));
            assertStoreUnavailable(CLIENT.admin("PUT", gateway.url() + "/admin/connections/other",
                    "{\"api_key\":\"KeapAK-other\"}"));
            assertThat(TopologySuite.proxied(gateway, key).statusCode()).as("proxying goes on").isEqualTo(200);

            redis.start();
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> CLIENT.admin("GET", gateway.url() + "/admin/keys", null).statusCode() == 200);
            JsonNode keys = CLIENT.adminJson("GET", gateway.url() + "/admin/keys", null, 200);
            assertThat(keys).hasSize(1);
            assertThat(keys.get(0).path("name").asText()).isEqualTo("before");
            assertThat(keys.get(0).has("revoked_at")).isFalse();
            CLIENT.adminJson("GET", gateway.url() + "/admin/connections/other", null, 404);
        }
    }

    @Test
    void aRotationWhoseWriteTimesOutAnswersWhatTheStoreReallyHolds() throws Exception {
        try (GatewayProcess gateway = gateway(Map.of())) {
            String before = TopologySuite.createKey(gateway, "{\"name\":\"slow-rotation\"}");
            String id = TopologySuite.idOf(before);
            // Reads go on; every write (scripts too) waits 6.5 s in Redis, past the gateway's 5 s budget.
            redis("CLIENT", "PAUSE", "6500", "WRITE");
            HttpResponse<String> rotate = CLIENT.admin("POST", gateway.url() + "/admin/keys/" + id + "/rotate", "{}");
            redis("SET", prefix + "pause-over", "1"); // a write: answered once the pause is over

            if (rotate.statusCode() == 200) {
                assertThat(gateway.logs()).contains("timed out but was applied");
                String after = GatewayClient.parse(rotate.body()).path("key").asText();
                assertThat(TopologySuite.proxied(gateway, after).statusCode()).as("the secret shown works").isEqualTo(200);
                assertThat(TopologySuite.proxied(gateway, before).statusCode()).isEqualTo(401);
            } else {
                assertStoreUnavailable(rotate);
                assertThat(GatewayClient.parse(rotate.body()).path("detail").asText()).contains("nothing was changed");
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                        .until(() -> TopologySuite.proxied(gateway, before).statusCode() == 200);
            }
        }
    }

    @Test
    void aGuessedKeyIdCostsAtMostOneRedisReadPerWindow() throws Exception {
        try (GatewayProcess gateway = gateway(Map.of("KEAP_GATEWAY_KEYS_UNKNOWN_ID_WINDOW", "2m"))) {
            long before = hgetCalls();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> answer = TopologySuite.proxied(gateway, GUESSED);
                assertThat(answer.statusCode()).isEqualTo(401);
                assertThat(GatewayClient.parse(answer.body()).path("code").asText()).isEqualTo("invalid_key");
            }
            assertThat(hgetCalls() - before).as("single reads of Redis for 20 requests").isEqualTo(1);
        }
    }

    @Test
    void aWrongSecretForAKnownIdCostsAtMostOneRedisReadPerWindow() throws Exception {
        try (GatewayProcess gateway = gateway(Map.of("KEAP_GATEWAY_KEYS_UNKNOWN_ID_WINDOW", "2m"))) {
            String key = TopologySuite.createKey(gateway, "{\"name\":\"guessed-secret\"}");
            String wrongSecret = key.substring(0, key.lastIndexOf('_') + 1) + "y".repeat(43);
            assertThat(TopologySuite.proxied(gateway, key).statusCode()).isEqualTo(200);
            long before = hgetCalls();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> answer = TopologySuite.proxied(gateway, wrongSecret);
                assertThat(answer.statusCode()).isEqualTo(401);
                assertThat(GatewayClient.parse(answer.body()).path("code").asText()).isEqualTo("invalid_key");
            }
            assertThat(hgetCalls() - before).as("single reads of Redis for 20 wrong secrets").isEqualTo(1);
            assertThat(TopologySuite.proxied(gateway, key).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void keysAndConnectionsWrittenByThePreviousVersionAreReadAndChanged() throws Exception {
        String key;
        try (GatewayProcess gateway = gateway(Map.of())) {
            key = TopologySuite.createKey(gateway, "{\"name\":\"old\",\"connection\":\"other\"}");
            CLIENT.adminJson("PUT", gateway.url() + "/admin/connections/other",
                    "{\"api_key\":\"" + FakeKeapResource.API_KEY + "\"}", 200);
        }
        // The previous version: no version member, the catalog under names without a hash tag.
        moveToPreviousLayout(StoreNames.KEYS, "keys", TopologySuite.idOf(key));
        moveToPreviousLayout(StoreNames.CONNECTIONS, "connections", "other");
        redis("DEL", prefix + StoreNames.REVISION);

        try (GatewayProcess gateway = gateway(Map.of())) {
            assertThat(TopologySuite.proxied(gateway, key).statusCode()).isEqualTo(200);
            CLIENT.adminJson("PATCH", gateway.url() + "/admin/keys/" + TopologySuite.idOf(key),
                    "{\"name\":\"renamed\"}", 200);
            assertThat(CLIENT.adminJson("GET", gateway.url() + "/admin/keys/" + TopologySuite.idOf(key), null, 200)
                    .path("name").asText()).isEqualTo("renamed");
            CLIENT.adminJson("PUT", gateway.url() + "/admin/connections/other",
                    "{\"api_key\":\"KeapAK-changed\"}", 200);
        }
    }

    private void moveToPreviousLayout(String map, String previousName, String field) throws IOException {
        ObjectNode document = (ObjectNode) GatewayClient.parse((String) redis("HGET", prefix + map, field));
        document.remove("version");
        redis("HDEL", prefix + map, field);
        redis("HSET", prefix + previousName, field, document.toString());
    }

    private GatewayProcess gateway(Map<String, String> extra) throws Exception {
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_API_KEY", FakeKeapResource.API_KEY);
        env.put("QUARKUS_REDIS_HOSTS", redis.uri());
        env.putAll(extra);
        return GatewayProcess.start(env);
    }

    private Object redis(String... command) throws IOException {
        try (RedisPeek peek = new RedisPeek(redis.port())) {
            return peek.call(command);
        }
    }

    private long hgetCalls() throws IOException {
        String stats = (String) redis("INFO", "commandstats");
        return stats.lines().filter(line -> line.startsWith("cmdstat_hget:")).findFirst()
                .map(line -> Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"))).orElse(0L);
    }

    private static void assertStoreUnavailable(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(GatewayClient.parse(answer.body()).path("code").asText()).isEqualTo("store_unavailable");
    }
}
