package io.keapgateway.token;

import io.keapgateway.store.StoreNames;
import io.keapgateway.testsupport.TestRun;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.LeakScan;
import io.keapgateway.testsupport.RedisProbe;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the tests of connecting a Keap account share: a fresh OAuth connection per test (the fake's test app),
 * admin calls whose answers are kept for the leak scan, and direct access to the test Redis ({@code kgw-test:}).
 */
abstract class OAuthConnectionTestBase {

    static final String ADMIN = "Bearer test-admin-token-0123456789";
    static final String PREFIX = TestRun.PREFIX;

    static RedisProbe redis;

    final List<String> adminAnswers = new ArrayList<>();
    FakeKeap keap;
    String name;

    @BeforeAll
    static void openRedis() {
        redis = new RedisProbe();
    }

    @AfterAll
    static void closeRedis() {
        redis.close();
    }

    @BeforeEach
    void createOAuthConnection() {
        keap = FakeKeapResource.fake();
        name = "oauth-" + UUID.randomUUID().toString().substring(0, 8);
        admin().body(Map.of("client_id", FakeKeapResource.CLIENT_ID, "client_secret", FakeKeapResource.CLIENT_SECRET))
                .put("/admin/connections/" + name).then().statusCode(200).body("status", equalTo("disconnected"));
    }

    /**
     * Forgets (so wellness is not left DOWN) and removes the connection. The tombstone stays: the running
     * app holds it in memory and would write it back, which is exactly what it is for.
     */
    @AfterEach
    void removeConnection() {
        admin().delete("/admin/connections/" + name + "/tokens");
        redis.hdel(PREFIX + StoreNames.CONNECTIONS, name);
        redis.hdel(PREFIX + "token-errors", name);
    }

    /** Connects the test's connection by adopting a fresh grant of the fake. */
    void adopt() {
        adminCall(admin().body(Map.of("refresh_token", keap.seedGrant(FakeKeapResource.CLIENT_ID)))
                .post("/admin/connections/" + name + "/tokens"), 200);
    }

    /** A gateway key for the test's connection. */
    String issueKey() {
        return adminCall(admin().body(Map.of("name", "token-test", "connection", name)).post("/admin/keys"), 201)
                .getString("key");
    }

    static RequestSpecification admin() {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON);
    }

    /** Checks the status, keeps the answer for the leak scan, and parses it. */
    JsonPath adminCall(Response response, int expectedStatus) {
        String body = response.then().statusCode(expectedStatus).extract().asString();
        adminAnswers.add(body);
        return JsonPath.from(body);
    }

    /** No OAuth secret in any admin answer of this test, nor anywhere in the test Redis. */
    void assertNoSecretLeaked() {
        var secrets = LeakScan.secretsSeenBy(keap);
        adminAnswers.add(admin().get("/admin/connections").asString());
        adminAnswers.add(admin().get("/admin/audit?limit=1000").asString());
        LeakScan.assertNoneIn("admin responses", String.join("\n", adminAnswers), secrets);
        LeakScan.assertNoneInRedis(redis, PREFIX, secrets);
    }
}
