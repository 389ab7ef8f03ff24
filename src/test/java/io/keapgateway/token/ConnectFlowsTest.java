package io.keapgateway.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.store.StoreNames;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connecting without a browser (a code obtained elsewhere, an older integration's refresh token), forgetting,
 * refreshing on demand, losing the grant (needs_reauth, wellness, not readiness), and a grant the store lost.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class ConnectFlowsTest extends OAuthConnectionTestBase {


    /** Resolved against the management root, which is {@code /q}. */
    @TestHTTPResource(value = "/health", management = true)
    URL health;

    @Test
    void connectsWithACodeObtainedElsewhere() {
        String redirect = "https://ops.example.com/keap-callback";
        String code = keap.issueAuthorizationCode(FakeKeapResource.CLIENT_ID, redirect);

        adminCall(admin().body(Map.of("code", code, "redirect_uri", "https://other.example.com/cb"))
                .post("/admin/connections/" + name + "/tokens"), 422);
        JsonPath connected = adminCall(admin().body(Map.of("code", code, "redirect_uri", redirect))
                .post("/admin/connections/" + name + "/tokens"), 200);

        assertEquals("connected", connected.getString("status"));
        assertEquals(keap.tenant(), connected.getString("tenant"));
        assertNoSecretLeaked();
    }

    @Test
    void adoptsAnOlderIntegrationsRefreshTokenByRefreshingItOnce() {
        String inherited = keap.seedGrant(FakeKeapResource.CLIENT_ID);
        int refreshesBefore = keap.refreshCalls();

        JsonPath adopted = adminCall(admin().body(Map.of("refresh_token", inherited))
                .post("/admin/connections/" + name + "/tokens"), 200);

        assertEquals("connected", adopted.getString("status"));
        assertEquals(refreshesBefore + 1, keap.refreshCalls());
        assertNotEquals(inherited, keap.currentRefreshToken(), "the gateway owns the rotation now");
        JsonPath again = adminCall(admin().body(Map.of("refresh_token", inherited))
                .post("/admin/connections/" + name + "/tokens"), 422);
        assertTrue(again.getString("detail").contains("invalid_grant"), again.getString("detail"));
        assertNoSecretLeaked();
    }

    @Test
    void forgettingWritesANewerTombstoneVersion() {
        adopt();
        long connectedVersion = Long.parseLong(redis.hget(PREFIX + "token:" + name, "version"));
        String key = issueKey();

        admin().delete("/admin/connections/" + name + "/tokens").then().statusCode(204);

        long tombstoneVersion = Long.parseLong(redis.hget(PREFIX + "token:" + name, "version"));
        assertTrue(tombstoneVersion > connectedVersion);
        String stored = redis.hget(PREFIX + "token:" + name, "value");
        assertTrue(stored.contains("\"forgotten\"") && !stored.contains("v1.") && !stored.contains("v2."), "a tombstone holds no tokens: " + stored);
        admin().get("/admin/connections/" + name).then().body("status", equalTo("disconnected"));
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then()
                .statusCode(503).body("code", equalTo("not_connected"), "detail", containsString("/authorize"));
    }

    @Test
    void anotherClientIdReplacesTheGrantOfTheOldApp() {
        adopt();
        long connectedVersion = Long.parseLong(redis.hget(PREFIX + "token:" + name, "version"));

        adminCall(admin().body(Map.of("client_id", "another-app", "client_secret", "another-secret"))
                .put("/admin/connections/" + name), 200);

        assertTrue(Long.parseLong(redis.hget(PREFIX + "token:" + name, "version")) > connectedVersion,
                "replaced under a newer version");
        admin().get("/admin/connections/" + name).then().body("status", equalTo("disconnected"));
    }

    @Test
    void anotherClientIdRefusedWithConflictLeavesTheOldAppsGrantInPlace() {
        adopt();
        String connectedVersion = redis.hget(PREFIX + "token:" + name, "version");
        // Trailing text Jackson ignores and Redis's cjson does not: the store's compare-and-set sees another
        // version than the gateway read, exactly as when a write lands in between, so the put is a conflict.
        String stored = redis.hget(PREFIX + StoreNames.CONNECTIONS, name);
        redis.hset(PREFIX + StoreNames.CONNECTIONS, name, stored + " x");

        JsonPath refused = adminCall(admin().body(Map.of("client_id", "another-app", "client_secret", "another-secret"))
                .put("/admin/connections/" + name), 409);

        assertEquals("conflict", refused.getString("code"));
        assertEquals(connectedVersion, redis.hget(PREFIX + "token:" + name, "version"), "the grant was not touched");
        redis.hset(PREFIX + StoreNames.CONNECTIONS, name, stored);
        admin().get("/admin/connections/" + name).then().body("status", equalTo("connected"));
    }

    @Test
    void credentialsAHeaderCannotCarryAreRefusedWithoutEchoingThem() {
        String malformed = "KeapAK-\fsecret\u0001value";
        JsonPath refused = adminCall(admin().body(Map.of("api_key", malformed)).put("/admin/connections/" + name), 422);
        assertEquals("validation_failed", refused.getString("code"));
        assertTrue(refused.getString("detail").startsWith("api_key:"), refused.getString("detail"));
        assertTrue(!refused.getString("detail").contains("secret"), refused.getString("detail"));

        JsonPath both = adminCall(admin().body(Map.of("client_id", "app id", "client_secret", "s\u007f"))
                .put("/admin/connections/" + name), 422);
        assertTrue(both.getString("detail").startsWith("client_id, client_secret:"), both.getString("detail"));
    }

    @Test
    void refreshNowRotatesTheGrantOnce() {
        adopt();
        String key = issueKey();
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        String before = lastBearer();
        int refreshesBefore = keap.refreshCalls();

        adminCall(admin().post("/admin/connections/" + name + "/refresh"), 200);

        assertEquals(refreshesBefore + 1, keap.refreshCalls());
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        assertNotEquals(before, lastBearer(), "requests use the new access token at once");
        assertNoSecretLeaked();
    }

    @Test
    void aRefusedRefreshTokenMarksNeedsReauthOnceAndWellnessNamesTheConnection() throws Exception {
        adopt();
        String key = issueKey();
        stealTheRotation(); // someone else used the gateway's refresh token: Keap now refuses it

        JsonPath refused = adminCall(admin().post("/admin/connections/" + name + "/refresh"), 503);
        assertEquals("not_connected", refused.getString("code"));
        assertTrue(refused.getString("detail").contains("re-authorize"), refused.getString("detail"));
        for (int i = 0; i < 20; i++) {
            String answer = given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then()
                    .statusCode(503).extract().asString();
            assertTrue(answer.contains("\"not_connected\"") && answer.contains("/authorize"), answer);
        }
        admin().get("/admin/connections/" + name).then().body("status", equalTo("needs_reauth"),
                "last_refresh_error", containsString("invalid_grant"));
        given().get(healthUrl("well")).then().statusCode(503).body("checks.find { it.name == 'keap-connections' }.data.'"
                + name + "'", equalTo("needs_reauth"));
        // Readiness is not about grants: the console and the OAuth callback that fix this stay in the Service.
        given().get(healthUrl("ready")).then().statusCode(200);
        long reported = admin().get("/admin/audit?limit=1000").jsonPath().getList("findAll { it.target == '" + name
                + "' && it.action == 'oauth.needs_reauth' }").size();
        assertEquals(1, reported, "logged and audited once, not once per request");

        adopt(); // the operator connects again
        given().get(healthUrl("well")).then().body("checks.find { it.name == 'keap-connections' }.data.'"
                + name + "'", equalTo("connected"));
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        assertNoSecretLeaked();
    }

    @Test
    void aGrantTheStoreLostIsWrittenBackBeforeRefreshing() {
        adopt();
        long held = Long.parseLong(redis.hget(PREFIX + "token:" + name, "version"));
        redis.deleteAll(PREFIX + "token:" + name); // Redis restarted empty, or failed over to a stale copy
        int refreshes = keap.refreshCalls();

        adminCall(admin().post("/admin/connections/" + name + "/refresh"), 200);

        assertEquals(refreshes + 1, keap.refreshCalls(), "the refresh token kept in memory was Keap's live one");
        assertTrue(Long.parseLong(redis.hget(PREFIX + "token:" + name, "version")) > held);
        long writtenBack = admin().get("/admin/audit?limit=1000").jsonPath().getList("findAll { it.target == '"
                + name + "' && it.action == 'oauth.written_back' }").size();
        assertTrue(writtenBack >= 1, "the write-back is audited");
    }

    /** Where the health {@code check} is served; the packaged app's run overrides this (see {@link ConnectFlowsIT}). */
    URL healthUrl(String check) throws Exception {
        return URI.create(health + "/" + check).toURL();
    }

    private String lastBearer() {
        var received = keap.receivedUnder("/crm/rest/v1/contacts");
        return received.get(received.size() - 1).header("Authorization");
    }

    /** Refreshes the gateway's grant behind its back, as a second integration sharing the grant would. */
    private void stealTheRotation() throws Exception {
        keap.rotateBehindTheGatewaysBack(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
    }
}
