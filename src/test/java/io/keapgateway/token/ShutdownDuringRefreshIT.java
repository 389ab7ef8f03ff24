package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.GatewayProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review finding M-B: a replica gets SIGTERM (a rollout) while its refresh is out at a slow Keap, after the
 * request that caused it has been answered, so the graceful shutdown has no HTTP request to wait for. The
 * replica must wait for Keap's answer and save the pair before it exits, within the grace period (35 s in
 * deploy/), so that another replica serves with it. Before the fix it closed its token client at once: Keap
 * rotated anyway, the pair was lost and the connection ended in needs_reauth.
 */
class ShutdownDuringRefreshIT {

    /** The pod's termination grace period in deploy/. */
    private static final Duration GRACE = Duration.ofSeconds(35);

    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void aReplicaStoppedDuringItsRefreshSavesThePairBeforeItExits() throws Exception {
        replicas = new Replicas(2, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_LEASE_TTL", "2s", "KEAP_GATEWAY_OAUTH_TOKEN_TIMEOUT", "3s",
                "KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", "60s", "KEAP_GATEWAY_OAUTH_MAX_GRANT_AGE", "4s",
                "KEAP_GATEWAY_OAUTH_MIN_REFRESH_INTERVAL", "1s"));
        FakeKeap keap = replicas.keap;
        // Due (by its age, max-grant-age 4 s) but not expired: a request is served at once and the refresh runs
        // in the background.
        replicas.adoptGrant();
        Instant adopted = Instant.now();
        String key = replicas.issueKeyKnownEverywhere(0);
        Replicas.awaitTrue("the grant is due by its age", Duration.ofSeconds(10),
                () -> Instant.now().isAfter(adopted.plusMillis(4200)));
        String issued = keap.currentRefreshToken();
        long before = storedVersion();
        keap.clear();
        keap.delayNextTokenCall(Duration.ofSeconds(10));

        // The request is answered with the current token; the refresh goes on in the background, so the
        // graceful shutdown has no request to wait for.
        HttpResponse<String> first = replicas.client.proxiedGet(replicas.url(0) + "/crm/rest/v1/contacts", key)
                .get(30, SECONDS);
        assertEquals(200, first.statusCode(), first.body());
        Replicas.awaitTrue("replica 0's token call is out", Duration.ofSeconds(20), () -> keap.refreshCalls() == 1);
        GatewayProcess holder = replicas.gateways.get(0);
        Instant terminated = Instant.now();
        holder.terminate();

        Replicas.awaitTrue("the pair is saved within the grace period", GRACE,
                () -> storedVersion() == before + 1);
        HttpResponse<String> served = replicas.client.proxiedGet(replicas.url(1) + "/crm/rest/v1/contacts", key)
                .get(30, SECONDS);
        assertEquals(200, served.statusCode(), served.body());
        assertTrue(Instant.now().isBefore(terminated.plus(GRACE)), "replica 1 served within the grace period");
        int exit = holder.awaitExit(GRACE.minus(Duration.between(terminated, Instant.now())));
        assertNotEquals(-1, exit, "replica 0 exited within the grace period");
        assertEquals(1, keap.refreshCalls(), "one refresh at Keap");
        assertNotEquals(issued, keap.currentRefreshToken());
        assertEquals("connected", replicas.status(replicas.url(1)).get("status").asText());
        // The saved pair's refresh token is Keap's live one: the next refresh works.
        replicas.client.adminJson("POST", replicas.url(1) + "/admin/connections/default/refresh", null, 200);
        assertEquals(2, keap.refreshCalls());
        String logs = holder.logs();
        assertTrue(logs.contains("waiting until"), "replica 0 waited for its refresh:\n" + logs);
        assertFalse(logs.contains("not saved: Keap rotated"), logs);
        assertTrue(keap.mostUsesOfOneRefreshToken() <= 1, "no refresh token reached Keap twice");
        replicas.assertNoSecretLeaked();
    }

    private long storedVersion() {
        try {
            return Long.parseLong(replicas.redis.hget(replicas.prefix + "token:default", "version"));
        } catch (IllegalStateException notYet) {
            return 0;
        }
    }
}
