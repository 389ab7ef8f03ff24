package io.keapgateway.activity;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/keys/{id}/activity}: what a key's holder did through the proxy, allowed or not. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeyActivityTest {

    /** Activity reaches the store within a flush interval (1 s); the margin is for a loaded machine. */
    private static final Duration WRITTEN = Duration.ofSeconds(20);

    private final Admin admin = Admin.local();

    @BeforeEach
    void connect() {
        FakeKeapResource.fake().clear();
        admin.useApiKey("default", FakeKeapResource.API_KEY);
    }

    @Test
    void showsAllowedAndDeniedRequestsNewestFirstWithoutTheirQuery() {
        String key = admin.createKey(Map.of("name", "activity", "scopes", List.of("contacts:read")));
        String id = Admin.idOf(key);

        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts?email=someone%40example.com")
                .then().statusCode(200);
        // With a body the refusal closes the connection after answering: still noted.
        given().header("Authorization", "Bearer " + key).contentType("application/json").body("{\"given_name\":\"A\"}")
                .post("/crm/rest/v2/contacts").then().statusCode(403).body("code", equalTo("scope_denied"));

        JsonPath activity = awaitActivity(id, 2);
        assertThat(activity.getString("[0].method")).isEqualTo("POST");
        assertThat(activity.getString("[0].path")).isEqualTo("/crm/rest/v2/contacts");
        assertThat(activity.getInt("[0].status")).isEqualTo(403);
        assertThat(activity.getString("[0].keap_latency_ms")).as("the gateway answered a denial itself").isNull();
        assertThat(activity.getString("[1].method")).isEqualTo("GET");
        assertThat(activity.getString("[1].path")).isEqualTo("/crm/rest/v1/contacts");
        assertThat(activity.getInt("[1].status")).isEqualTo(200);
        assertThat(activity.getLong("[1].keap_latency_ms")).isGreaterThanOrEqualTo(0);
        assertThat(activity.getString("[1].at")).isNotNull();
        assertThat(activity.prettify()).doesNotContain("someone").doesNotContain(key);
    }

    @Test
    void pagesPastTheFirstHundredFiltersByStatusClassAndCountsTheHours() {
        String key = admin.createKey(Map.of("name", "busy", "scopes", List.of("contacts:read")));
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        for (int i = 0; i < 105; i++) {
            given().header("Authorization", "Bearer " + key).post("/crm/rest/v2/tags/" + i).then().statusCode(403);
        }
        String id = Admin.idOf(key);
        await().atMost(WRITTEN).pollInterval(Duration.ofMillis(200)).until(() -> admin.request()
                .get("/admin/keys/" + id + "/activity?limit=500").then().extract().jsonPath().getList("$").size() == 106);

        var first = admin.request().get("/admin/keys/" + id + "/activity").then().statusCode(200).extract();
        assertThat(first.jsonPath().getList("$")).hasSize(100);
        assertThat(first.jsonPath().getString("[0].path")).isEqualTo("/crm/rest/v2/tags/104");
        String link = first.header("Link");
        assertThat(link).startsWith("</admin/keys/" + id + "/activity?").endsWith(">; rel=\"next\"");
        String next = link.substring(1, link.indexOf('>'));
        var second = admin.request().get(next).then().statusCode(200).extract();
        assertThat(second.jsonPath().getList("path")).containsExactly("/crm/rest/v2/tags/4", "/crm/rest/v2/tags/3",
                "/crm/rest/v2/tags/2", "/crm/rest/v2/tags/1", "/crm/rest/v2/tags/0", "/crm/rest/v1/contacts");
        assertThat(second.header("Link")).as("the last page").isNull();

        admin.request().get("/admin/keys/" + id + "/activity?status=2xx").then().statusCode(200)
                .body("size()", equalTo(1)).body("[0].path", equalTo("/crm/rest/v1/contacts"));
        admin.request().get("/admin/keys/" + id + "/activity?status=denied&limit=500").then().statusCode(200)
                .body("size()", equalTo(105));
        admin.request().get("/admin/keys/" + id + "/activity?status=2xx,5xx").then().statusCode(200)
                .body("size()", equalTo(1));

        JsonPath hours = admin.request().get("/admin/keys/" + id + "/activity/today").then().statusCode(200)
                .extract().jsonPath();
        int now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).getHour();
        assertThat(hours.getList("hour")).hasSizeGreaterThanOrEqualTo(now + 1);
        assertThat(hours.getList("requests", Long.class).stream().mapToLong(Long::longValue).sum()).isEqualTo(106);
        assertThat(hours.getList("denied", Long.class).stream().mapToLong(Long::longValue).sum()).isEqualTo(105);
        assertThat(hours.getString("[0].hour")).endsWith("T00:00:00Z");
    }

    @Test
    void refusesAMalformedQueryWithAProblem() {
        String id = Admin.idOf(admin.createKey(Map.of("name", "asked")));
        for (String query : List.of("status=6xx", "status=2xx,oops", "limit=0", "limit=501", "limit=ten",
                "before=yesterday", "before=1.5~1")) {
            admin.request().get("/admin/keys/" + id + "/activity?" + query).then().statusCode(422)
                    .contentType("application/problem+json").body("code", equalTo("validation_failed"));
        }
        admin.request().get("/admin/keys/AAAAAAAAAAAA/activity/today").then().statusCode(404)
                .body("code", equalTo("not_found"));
    }

    @Test
    void requestsWithoutAValidKeyAreNobodysActivity() {
        String key = admin.createKey(Map.of("name", "quiet"));
        String id = Admin.idOf(key);
        given().header("Authorization", "Bearer kgw_" + id + "_" + "x".repeat(40)).get("/crm/rest/v1/contacts")
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/tags").then().statusCode(200);

        JsonPath activity = awaitActivity(id, 1);
        assertThat(activity.getString("[0].path")).isEqualTo("/crm/rest/v1/tags");
    }

    @Test
    void answersNotFoundForAnUnknownKeyAndIsNeverCached() {
        admin.request().get("/admin/keys/AAAAAAAAAAAA/activity").then().statusCode(404).body("code", equalTo("not_found"));
        String id = Admin.idOf(admin.createKey(Map.of("name", "new")));
        admin.request().get("/admin/keys/" + id + "/activity").then().statusCode(200)
                .header("Cache-Control", "no-store").body("size()", equalTo(0));
    }

    private JsonPath awaitActivity(String id, int count) {
        return await().atMost(WRITTEN).pollInterval(Duration.ofMillis(200)).until(
                () -> admin.request().get("/admin/keys/" + id + "/activity").then().statusCode(200).extract().jsonPath(),
                activity -> activity.getList("$").size() == count);
    }
}
