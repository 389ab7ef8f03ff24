package io.keapgateway.activity;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.TestRun;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Activity is written in batches, off the request's path: with a flush interval longer than the test, the
 * requests reach Redis only when the replica shuts down (and writes what it noted first).
 */
class ActivityBatchingIT {

    private FakeKeap keap;
    private String prefix;

    @BeforeEach
    void startKeap() {
        keap = FakeKeap.start();
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        prefix = TestRun.prefix("activity-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void stopKeap() throws Exception {
        keap.close();
        try (RedisPeek redis = RedisPeek.local()) {
            redis.deleteAll(prefix);
        }
    }

    @Test
    void requestsCostNoRedisWriteAndAreWrittenWhenTheReplicaStops() throws Exception {
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_ACTIVITY_FLUSH_INTERVAL", "1h");
        String list = prefix + "activity:{";
        String id;
        try (GatewayProcess gateway = GatewayProcess.start(env); RedisPeek redis = RedisPeek.local()) {
            Admin admin = Admin.at(gateway.url());
            admin.useApiKey("default", FakeKeapResource.API_KEY);
            String key = admin.createKey(Map.of("name", "batched", "scopes", List.of("contacts:read")));
            id = Admin.idOf(key);
            for (int i = 0; i < 3; i++) {
                given().baseUri(gateway.url()).header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
            }
            given().baseUri(gateway.url()).header("X-Api-Key", key).delete("/crm/rest/v1/contacts/1").then().statusCode(403);

            assertThat(redis.call("LLEN", list + id + "}")).as("nothing written per request").isEqualTo(0L);
            admin.request().get("/admin/keys/" + id + "/activity").then().statusCode(200)
                    .body("size()", org.hamcrest.Matchers.equalTo(0));
        }
        try (RedisPeek redis = RedisPeek.local()) {
            assertThat(redis.call("LLEN", list + id + "}")).as("written at shutdown").isEqualTo(4L);
        }
    }

    @Test
    void refusesToStartWithAKeptCountOutOfRange() throws Exception {
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_ACTIVITY_KEPT", "50");
        try (GatewayProcess gateway = GatewayProcess.launch(env)) {
            assertThat(gateway.awaitExit(java.time.Duration.ofSeconds(60))).isNotIn(0, -1);
            assertThat(gateway.logs()).contains("keap-gateway.activity.kept must be from 100 to 10000; it is 50.");
        }
    }
}
