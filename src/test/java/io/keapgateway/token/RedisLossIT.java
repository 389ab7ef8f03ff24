package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis loses the grant while replicas run (restarted without persistence, flushed, failed over to a stale
 * copy): the replicas keep serving from memory and write the grant back, so nothing needs re-authorizing.
 * Only this test's keys are deleted, by prefix; never FLUSHALL, since other things use that Redis.
 */
class RedisLossIT {

    private Replicas replicas;

    @AfterEach
    void stopReplicas() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void replicasWriteBackALostGrantKeepServingAndTheNextRefreshWorks() throws Exception {
        replicas = new Replicas(2, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1s"));
        FakeKeap keap = replicas.keap;
        replicas.adoptGrant();
        String key = replicas.issueKeyKnownEverywhere(0);
        String grantKey = replicas.prefix + "token:default";
        String version = replicas.redis.hget(grantKey, "version");
        int tokenCalls = keap.tokenCalls();

        // Redis loses the custody's copy only (a failover to a stale copy, an eviction).
        replicas.redis.deleteAll(grantKey);
        assertAllSucceed(replicas.sendAtOnce(20, key, 0, 1));
        Replicas.awaitTrue("the scheduled check writes the grant back", Duration.ofSeconds(10),
                () -> replicas.redis.exists(grantKey));
        assertEquals(version, replicas.redis.hget(grantKey, "version"), "the same version, not a new grant");
        assertEquals(tokenCalls, keap.tokenCalls(), "no refresh and no new authorization was needed");

        // The written-back refresh token is Keap's live one: the next refresh works.
        replicas.client.adminJson("POST", replicas.url(1) + "/admin/connections/default/refresh", null, 200);
        assertEquals(tokenCalls + 1, keap.tokenCalls());
        assertAllSucceed(replicas.sendAtOnce(10, key, 0, 1));

        // Redis loses everything under the prefix (restarted without persistence), once both replicas hold
        // the refreshed grant (they hear of it within 250 ms; a replica that had not would write back the
        // older one first, and the newer one would still win, a moment later).
        String refreshedVersion = replicas.redis.hget(grantKey, "version");
        String refreshedExpiry = replicas.status(replicas.url(1)).get("access_token_expires_at").asText();
        Replicas.awaitTrue("replica 0 holds the refreshed grant", Duration.ofSeconds(5), () -> refreshedExpiry.equals(
                replicas.status(replicas.url(0)).get("access_token_expires_at").asText()));
        replicas.redis.deleteAll(replicas.prefix);
        Replicas.awaitTrue("the replicas write the refreshed grant back", Duration.ofSeconds(10),
                () -> refreshedVersion.equals(replicas.redis.hget(grantKey, "version")));
        // Keys and connection records went with Redis; they belong to other registries. Restoring them is
        // what an operator (or a restart, which re-seeds `default` from the environment) does. The grant
        // needs nothing: the gateway still holds Keap's authorization.
        replicas.client.adminJson("PUT", replicas.url(0) + "/admin/connections/default", "{\"client_id\":\""
                + FakeKeapResource.CLIENT_ID + "\",\"client_secret\":\"" + FakeKeapResource.CLIENT_SECRET + "\"}", 200);
        String newKey = replicas.issueKeyKnownEverywhere(0);
        assertAllSucceed(replicas.sendAtOnce(10, newKey, 0, 1));
        assertEquals(tokenCalls + 1, keap.tokenCalls(), "still no new authorization");
        JsonNode audit = replicas.client.adminJson("GET", replicas.url(0) + "/admin/audit?limit=100", null, 200);
        assertTrue(audit.toString().contains("oauth.written_back"), audit.toString());
        replicas.assertNoSecretLeaked();
    }

    private static void assertAllSucceed(List<CompletableFuture<HttpResponse<String>>> requests) throws Exception {
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).get(30, SECONDS);
        for (CompletableFuture<HttpResponse<String>> request : requests) {
            assertEquals(200, request.join().statusCode(), request.join().body());
        }
    }
}
