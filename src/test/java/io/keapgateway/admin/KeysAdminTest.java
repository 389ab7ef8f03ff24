package io.keapgateway.admin;

import io.keapgateway.testsupport.TestRun;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.store.StoreNames;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.keapgateway.testsupport.RedisPeek;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The key lifecycle as an operator drives it, and what a client holding the key then sees. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeysAdminTest {

    private final Admin admin = Admin.local();

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void connect() {
        FakeKeapResource.fake().clear();
        admin.useApiKey("default", FakeKeapResource.API_KEY);
    }

    /** A POST with no body is answered however its emptiness is framed (a zero length hung it for good). */
    @Test
    void aRotationWithAnEmptyBodyIsAnsweredWhateverItsFraming() throws Exception {
        String id = Admin.idOf(admin.createKey(Map.of("name", "empty-body")));
        for (String framing : List.of("Content-Length: 0\r\n", "Content-Length: 0\r\nContent-Type: application/json\r\n",
                "Content-Type: application/json\r\n", "")) {
            RawHttp.Reply reply = RawHttp.send(base.getPort(), "POST /admin/keys/" + id + "/rotate HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer " + Admin.TOKEN + "\r\n" + framing
                    + "Connection: close\r\n\r\n");
            assertThat(reply.status()).as("framing %s: %s", framing, reply.text()).isEqualTo(200);
        }
    }

    @Test
    void anUnreadableStoredKeyIsAProblemWithACodeAndTheOthersAreStillListed() throws Exception {
        String readable = Admin.idOf(admin.createKey(Map.of("name", "readable")));
        String unreadable = "Unreadable00";
        try (RedisPeek redis = RedisPeek.local()) {
            redis.call("HSET", TestRun.PREFIX + StoreNames.KEYS, unreadable, "{\"id\":\"Unreadable00\",\"scopes\":7 garbage-hash");
            try {
                admin.request().get("/admin/keys").then().statusCode(200)
                        .body("id", hasItem(readable)).body("id", not(hasItem(unreadable)));
                String answer = admin.request().get("/admin/keys/" + unreadable).then().statusCode(500)
                        .contentType("application/problem+json").body("code", equalTo("store_unreadable"))
                        .extract().asString();
                assertThat(answer).doesNotContain("garbage");
            } finally {
                redis.call("HDEL", TestRun.PREFIX + StoreNames.KEYS, unreadable);
            }
        }
    }

    @Test
    void issuesAKeyShownOnceAndStoredOnlyAsAnHmac() throws Exception {
        String key = admin.request()
                .body(Map.of("name", "contractor", "scopes", List.of("read-only"), "priority", "high",
                        "rate", Map.of("per_second", 2, "burst", 4), "daily_quota", 500))
                .post("/admin/keys")
                .then().statusCode(201)
                .body("name", equalTo("contractor"))
                .body("connection", equalTo("default"))
                .body("scopes", equalTo(List.of("read-only")))
                .body("rate.per_second", equalTo(2))
                .body("daily_quota", equalTo(500))
                .body("created_at", notNullValue())
                .body("$", not(org.hamcrest.Matchers.hasKey("secret_hash")))
                .extract().path("key");
        assertThat(key).matches("kgw_[0-9A-Za-z]{12}_[0-9A-Za-z]{40,}");
        String id = Admin.idOf(key);

        admin.request().get("/admin/keys/" + id).then().statusCode(200)
                .body("key", nullValue()).body("secret_hash", nullValue()).body("id", equalTo(id));
        admin.request().get("/admin/keys").then().statusCode(200).body("id", hasItem(id))
                .body("key", not(hasItem(notNullValue())));
        try (RedisPeek redis = RedisPeek.local()) {
            assertThat(redis.dump(TestRun.PREFIX)).doesNotContain(key.substring(17)).doesNotContain(FakeKeapResource.API_KEY);
        }
    }

    @Test
    void rejectsWhatIsNotAKeyDefinition() {
        admin.request().body(Map.of("name", "x", "scopes", List.of("FETCH contacts"), "allowed_ips", List.of("nowhere"),
                "expires_at", "tomorrow", "colour", "blue"))
                .post("/admin/keys")
                .then().statusCode(422)
                .contentType(startsWith("application/problem+json"))
                .body("code", equalTo("validation_failed"))
                .body("detail", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.containsString("FETCH contacts"),
                        org.hamcrest.Matchers.containsString("nowhere"),
                        org.hamcrest.Matchers.containsString("expires_at"),
                        org.hamcrest.Matchers.containsString("colour")));
        admin.request().body("{not json").post("/admin/keys").then().statusCode(400).body("code", equalTo("bad_request"));
    }

    @Test
    void refusesTheAdminApiWithoutTheAdminToken() {
        given().get("/admin/keys").then().statusCode(401)
                .contentType(startsWith("application/problem+json")).body("code", equalTo("unauthorized"));
        given().header("Authorization", "Bearer wrong-token-but-long-enough").get("/admin/connections")
                .then().statusCode(401).body("code", equalTo("unauthorized"));
        admin.request().get("/admin/keys/nosuchkey123").then().statusCode(404).body("code", equalTo("not_found"));
    }

    @Test
    void scopesDecideWhichMethodsAndPathsAKeyMayUse() {
        String key = admin.createKey(Map.of("name", "contacts-reader",
                "scopes", List.of("GET /crm/rest/v1/contacts/**", "POST /crm/rest/v2/contacts:*")));

        client(key).get("/crm/rest/v1/contacts/12/emails").then().statusCode(200);
        client(key).get("/crm/rest/v1/contacts").then().statusCode(200);
        client(key).post("/crm/rest/v2/contacts:link").then().statusCode(200);
        client(key).delete("/crm/rest/v1/contacts/12").then().statusCode(403).body("code", equalTo("scope_denied"));
        client(key).get("/crm/rest/v1/orders").then().statusCode(403)
                .contentType(startsWith("application/problem+json")).body("code", equalTo("scope_denied"));
        assertThat(FakeKeapResource.fake().receivedUnder("/crm/")).hasSize(3);
    }

    @Test
    void answersEachKeyFailureWithItsOwnCode() {
        given().get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("missing_key"));
        client("kgw_abc_short").get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("invalid_key"));
        String key = admin.createKey(Map.of("name", "k"));
        String forged = key.substring(0, key.length() - 2) + (key.endsWith("a") ? "bb" : "aa");
        client(forged).get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("invalid_key"));

        String expired = admin.createKey(Map.of("name", "old", "expires_at", "2020-01-01T00:00:00Z"));
        client(expired).get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("key_expired"));

        String office = admin.createKey(Map.of("name", "office", "allowed_ips", List.of("203.0.113.0/24")));
        client(office).get("/crm/rest/v1/contacts").then().statusCode(403).body("code", equalTo("ip_denied"));

        String elsewhere = admin.createKey(Map.of("name", "other", "connection", "nowhere"));
        client(elsewhere).get("/crm/rest/v1/contacts").then().statusCode(503)
                .contentType(startsWith("application/problem+json")).body("code", equalTo("not_connected"));
        assertThat(FakeKeapResource.fake().receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void revokedKeysStopWorkingAndSayWhy() {
        String key = admin.createKey(Map.of("name", "temp"));
        client(key).get("/crm/rest/v1/contacts").then().statusCode(200);

        admin.revoke(Admin.idOf(key)).statusCode(204);

        client(key).get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("key_revoked"));
        admin.request().get("/admin/keys/" + Admin.idOf(key)).then().body("revoked_at", notNullValue());
    }

    @Test
    void rotationIssuesANewSecretAndKeepsTheOldOneOnlyForTheGracePeriod() {
        String key = admin.createKey(Map.of("name", "rotating"));
        String id = Admin.idOf(key);

        String rotated = admin.request().body(Map.of("grace_seconds", 3600)).post("/admin/keys/" + id + "/rotate")
                .then().statusCode(200).body("previous_secret_valid_until", notNullValue()).extract().path("key");
        assertThat(rotated).startsWith("kgw_" + id + "_").isNotEqualTo(key);
        client(rotated).get("/crm/rest/v1/contacts").then().statusCode(200);
        client(key).get("/crm/rest/v1/contacts").then().statusCode(200);

        String again = admin.request().body(Map.of("grace_seconds", 0)).post("/admin/keys/" + id + "/rotate")
                .then().statusCode(200).extract().path("key");
        client(again).get("/crm/rest/v1/contacts").then().statusCode(200);
        client(rotated).get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("invalid_key"));
        client(key).get("/crm/rest/v1/contacts").then().statusCode(401).body("code", equalTo("invalid_key"));
    }

    @Test
    void patchChangesOnlyTheFieldsSent() {
        String id = Admin.idOf(admin.createKey(Map.of("name", "before", "expires_at", "2099-01-01T00:00:00Z",
                "scopes", List.of("read-only"))));

        admin.request().contentType("application/merge-patch+json")
                .body("{\"name\":\"after\",\"expires_at\":null}").patch("/admin/keys/" + id)
                .then().statusCode(200)
                .body("name", equalTo("after"))
                .body("expires_at", nullValue())
                .body("scopes", equalTo(List.of("read-only")));
        admin.request().body(Map.of("priority", "urgent")).patch("/admin/keys/" + id)
                .then().statusCode(422).body("code", equalTo("validation_failed"));
    }

    @Test
    void checkTellsWhetherAKeyWouldBeAllowedAndWhy() {
        String id = Admin.idOf(admin.createKey(Map.of("name", "checked", "scopes", List.of("GET /crm/rest/v1/**"))));

        admin.request().body(Map.of("method", "GET", "path", "/crm/rest/v1/contacts"))
                .post("/admin/keys/" + id + "/check").then().statusCode(200).body("allowed", equalTo(true));
        admin.request().body(Map.of("method", "DELETE", "path", "/crm/rest/v1/contacts/1"))
                .post("/admin/keys/" + id + "/check").then().statusCode(200)
                .body("allowed", equalTo(false)).body("code", equalTo("scope_denied"));
        admin.revoke(id);
        admin.request().body(Map.of("method", "GET", "path", "/crm/rest/v1/contacts"))
                .post("/admin/keys/" + id + "/check").then().body("allowed", equalTo(false))
                .body("code", equalTo("key_revoked"));
    }

    @Test
    void auditsEveryChangeNewestFirstWithoutSecrets() {
        String key = admin.createKey(Map.of("name", "audited"));
        String id = Admin.idOf(key);
        admin.revoke(id);

        String trail = admin.request().get("/admin/audit?limit=5").then().statusCode(200)
                .body("[0].action", equalTo("key.revoke"))
                .body("[0].target", equalTo(id))
                .body("[1].action", equalTo("key.create"))
                .extract().asString();
        assertThat(trail).doesNotContain(key.substring(17)).doesNotContain(FakeKeapResource.API_KEY);
    }

    @Test
    void connectionStatusNeverShowsTheApiKey() {
        String status = admin.request().get("/admin/connections/default").then().statusCode(200)
                .body("name", equalTo("default")).body("mode", equalTo("api_key")).body("status", equalTo("connected"))
                .extract().asString();
        assertThat(status).doesNotContain(FakeKeapResource.API_KEY);
        admin.request().body(Map.of("api_key", "x", "client_id", "y")).put("/admin/connections/other")
                .then().statusCode(422).body("code", equalTo("validation_failed"));
        admin.request().get("/admin/connections/missing").then().statusCode(404).body("code", equalTo("not_found"));
    }

    private static io.restassured.specification.RequestSpecification client(String key) {
        return given().header("Authorization", "Bearer " + key);
    }
}
