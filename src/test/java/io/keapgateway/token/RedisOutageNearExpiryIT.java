package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.RedisServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review finding L-j, answered with the failure-modes window of docs/operations.md rather than a refresh without Redis (that
 * could not keep a refresh token at Keap at most once): while Redis does not answer, an OAuth connection is
 * served from memory for as long as its access token lives, a token inside the refresh margin included (the
 * refresh that fails meanwhile is not the client's problem); only a token within 30 s of Keap's expiry and
 * not refreshed gets 502 {@code upstream_unavailable}, until Redis answers again.
 */
class RedisOutageNearExpiryIT {

    private RedisServerProcess server;
    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        Replicas.closeOn(server, replicas);
    }

    @Test
    void aTokenInItsRefreshMarginIsServedThroughAnOutageAndOnlyAnExpiredOneGets502() throws Exception {
        server = RedisServerProcess.startDurableOnFreePort();
        // Due through its age (max-grant-age 2 s), not its expiry: every request wants a refresh, none can be made.
        replicas = new Replicas(1, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_MAX_GRANT_AGE", "2s", "KEAP_GATEWAY_OAUTH_MIN_REFRESH_INTERVAL", "1s"), server.uri());
        replicas.keap.setAccessTokenLifetime(Duration.ofHours(1));
        replicas.adoptGrant();
        Instant adopted = Instant.now();
        String key = replicas.issueKeyKnownEverywhere(0);
        Replicas.awaitTrue("the grant is due by its age", Duration.ofSeconds(10),
                () -> Instant.now().isAfter(adopted.plusMillis(2200)));
        replicas.awaitTokenCallsQuiet(Duration.ofSeconds(2)); // the key check's background refresh, if any, is done
        replicas.keap.clear();

        server.stop();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> answer = replicas.client.proxiedGet(replicas.url(0) + "/crm/rest/v1/contacts?n=" + i,
                    key).get(30, SECONDS);
            assertEquals(200, answer.statusCode(), "request " + i + " during the outage: " + answer.body());
        }
        assertEquals(0, replicas.keap.refreshCalls(), "no refresh without the lease");

        server.start();
        replicas.keap.setAccessTokenLifetime(Duration.ofSeconds(1)); // the next pair is expired on arrival
        replicas.client.adminJson("POST", replicas.url(0) + "/admin/connections/default/refresh", null, 200);
        Instant refreshed = Instant.now();
        server.stop();
        Replicas.awaitTrue("Keap's 1 s token has expired", Duration.ofSeconds(5),
                () -> Instant.now().isAfter(refreshed.plusMillis(1200)));
        HttpResponse<String> expired = replicas.client.proxiedGet(replicas.url(0) + "/crm/rest/v1/contacts", key)
                .get(30, SECONDS);
        assertEquals(502, expired.statusCode(), expired.body());
        assertTrue(expired.body().contains("\"upstream_unavailable\""), expired.body());
        assertEquals(1, replicas.keap.refreshCalls(), "the operator's refresh only");
    }
}
