package io.keapgateway.store;

import io.keapgateway.testsupport.TestRun;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RedisPeek;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Redis losing everything (flushed, restarted without persistence) costs clients nothing. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class StoreLossTest {

    private static final String PREFIX = TestRun.PREFIX;

    @Test
    void keysAndConnectionsSurviveRedisLosingItsData() throws Exception {
        FakeKeapResource.fake().clear();
        Admin admin = Admin.local();
        admin.useApiKey("default", FakeKeapResource.API_KEY);
        String key = admin.createKey(Map.of("name", "survivor", "rate", Map.of("per_second", 100, "burst", 100)));
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);

        try (RedisPeek redis = RedisPeek.local()) {
            redis.deleteAll(PREFIX);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(2));
            while (Instant.now().isBefore(deadline)) {
                given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
                Thread.sleep(50); // pacing the client across the loss, not waiting for an outcome
            }
            assertThat(redis.dump(PREFIX)).contains(Admin.idOf(key)).contains("\"mode\":\"api_key\"");
        }
        admin.request().get("/admin/keys/" + Admin.idOf(key)).then().statusCode(200);
    }
}
