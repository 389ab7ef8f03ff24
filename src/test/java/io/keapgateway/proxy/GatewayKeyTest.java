package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /gateway/key}: a client looks at its own key. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class GatewayKeyTest {

    private final Admin admin = Admin.local();
    private FakeKeap keap;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
    }

    @Test
    void answersTheKeysNameScopesLimitsUsageAndExpiryInEveryWayAKeyIsAccepted() {
        String key = admin.createKey(Map.of("name", "contractor", "scopes", List.of("GET /crm/rest/v1/contacts", "xmlrpc:read"),
                "rate", Map.of("per_second", 3, "burst", 6), "daily_quota", 500, "expires_at", "2099-01-01T00:00:00Z"));
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
        List<UnaryOperator<RequestSpecification>> ways = List.of(
                r -> r.header("Authorization", "Bearer " + key),
                r -> r.header("X-Api-Key", key),
                r -> r.header("X-Keap-API-Key", key),
                r -> r.queryParam("access_token", key));
        for (UnaryOperator<RequestSpecification> way : ways) {
            String body = way.apply(given()).get("/gateway/key")
                    .then().statusCode(200).contentType("application/json")
                    .header("Cache-Control", "no-store")
                    .body("id", equalTo(Admin.idOf(key)))
                    .body("name", equalTo("contractor"))
                    .body("connection", equalTo("default"))
                    .body("scopes", equalTo(List.of("GET /crm/rest/v1/contacts", "xmlrpc:read")))
                    .body("expanded_scopes", hasItem("XMLRPC *.load"))
                    .body("expanded_scopes", hasItem("GET /crm/rest/v1/contacts"))
                    .body("limits.rate.per_second", equalTo(3))
                    .body("limits.rate.burst", equalTo(6))
                    .body("limits.daily_quota", equalTo(500))
                    .body("limits.priority", equalTo("normal"))
                    .body("usage.requests_today", equalTo(1))
                    .body("expires_at", equalTo("2099-01-01T00:00:00Z"))
                    .extract().asString();
            assertThat(body).doesNotContain(key.substring(key.lastIndexOf('_') + 1)).doesNotContain("hash");
        }
        assertThat(keap.receivedUnder("/crm/")).hasSize(1); // looking at the key is not forwarded
    }

    @Test
    void aKeyWithoutLimitsOrExpiryShowsTheDefaults() {
        String key = admin.createKey(Map.of("name", "plain"));
        given().header("Authorization", "Bearer " + key).get("/gateway/key")
                .then().statusCode(200).body("expires_at", nullValue())
                .body("expanded_scopes", equalTo(List.of("* /crm/**")))
                .body("limits.rate.per_second", equalTo(10)).body("limits.rate.burst", equalTo(20))
                .body("limits.daily_quota", nullValue());
    }

    @Test
    void looksCostNothingAndNeedNoScope() {
        String key = admin.createKey(Map.of("name", "tight", "scopes", List.of("GET /crm/rest/v1/tags"),
                "rate", Map.of("per_second", 1, "burst", 1)));
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + key).get("/gateway/key").then().statusCode(200)
                    .body("usage.requests_today", equalTo(0));
        }
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/tags").then().statusCode(200);
    }

    @Test
    void refusesLikeTheProxy() {
        given().get("/gateway/key")
                .then().statusCode(401).contentType("application/problem+json").body("code", equalTo("missing_key"));
        given().header("Authorization", "Bearer kgw_AAAAAAAAAAAA_" + "c".repeat(43)).get("/gateway/key")
                .then().statusCode(401).contentType("application/problem+json").body("code", equalTo("invalid_key"));
        String key = admin.createKey(Map.of("name", "gone"));
        admin.revoke(Admin.idOf(key)).statusCode(204);
        given().header("Authorization", "Bearer " + key).get("/gateway/key")
                .then().statusCode(401).body("code", equalTo("key_revoked"));
        String elsewhere = admin.createKey(Map.of("name", "elsewhere", "allowed_ips", List.of("203.0.113.0/24")));
        given().header("Authorization", "Bearer " + elsewhere).get("/gateway/key")
                .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("ip_denied"));
    }
}
