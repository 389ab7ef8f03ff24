package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RedisServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis dies while Keap is answering a refresh, so the holder cannot save the pair Keap just rotated. It
 * must keep serving with that pair and write it the moment Redis answers again, whether Redis comes back
 * empty or with its data (which fires no store event). Three replicas on a private Redis of the test's own.
 */
class RefreshDuringRedisLossIT {

    private RedisServerProcess server;
    private Replicas replicas;
    private boolean forgettingWhileRedisIsDown;

    @AfterEach
    void stop() throws Exception {
        Replicas.closeOn(server, replicas);
    }

    @Test
    void aPairRotatedWhileRedisIsDownIsWrittenWhenRedisComesBackEmpty() throws Exception {
        server = RedisServerProcess.startOnFreePort();
        String version = refreshWhileRedisIsDown();

        awaitStoredVersion(version);
        // Keys and connection records went with Redis: an operator restores them (the grant needs nothing).
        replicas.client.adminJson("PUT", replicas.url(0) + "/admin/connections/default", "{\"client_id\":\""
                + FakeKeapResource.CLIENT_ID + "\",\"client_secret\":\"" + FakeKeapResource.CLIENT_SECRET + "\"}", 200);
        assertServesAndRefreshes(replicas.issueKeyKnownEverywhere(0));
    }

    @Test
    void aPairRotatedWhileRedisIsDownIsWrittenWhenRedisComesBackWithItsData() throws Exception {
        server = RedisServerProcess.startDurableOnFreePort();
        forgettingWhileRedisIsDown = true;
        String version = refreshWhileRedisIsDown();

        awaitStoredVersion(version);
        assertServesAndRefreshes(replicas.issueKeyKnownEverywhere(1));
    }

    /** Starts the replicas, connects, and has replica 0 refresh while Redis is down; answers the version after. */
    private String refreshWhileRedisIsDown() throws Exception {
        replicas = new Replicas(3, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_LEASE_TTL", "2s", "KEAP_GATEWAY_OAUTH_TOKEN_TIMEOUT", "3s",
                "KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", "6s"), server.uri());
        FakeKeap keap = replicas.keap;
        replicas.adoptGrant();
        replicas.issueKeyKnownEverywhere(0);
        long before = Long.parseLong(replicas.redis.hget(replicas.prefix + "token:default", "version"));
        String issued = keap.currentRefreshToken();
        keap.clear();
        keap.delayNextTokenCall(Duration.ofSeconds(3));

        CompletableFuture<HttpResponse<String>> refresh = CompletableFuture.supplyAsync(() -> replicas.client.admin(
                "POST", replicas.url(0) + "/admin/connections/default/refresh", null));
        Replicas.awaitTrue("the token call is out", Duration.ofSeconds(20), () -> keap.refreshCalls() == 1);
        server.stop();
        Replicas.awaitTrue("Keap rotated", Duration.ofSeconds(20),
                () -> !Objects.equals(issued, keap.currentRefreshToken()) && keap.currentRefreshToken() != null);
        Replicas.awaitTrue("replica 0 holds the pair it could not save", Duration.ofSeconds(30),
                () -> logsOf(0).contains("Could not save the refreshed grant"));
        if (forgettingWhileRedisIsDown) {
            // An admin change that cannot be made durable is refused, and nothing of it is applied.
            HttpResponse<String> forget = replicas.client.admin("DELETE",
                    replicas.url(1) + "/admin/connections/default/tokens", null);
            assertEquals(503, forget.statusCode(), forget.body());
            assertTrue(forget.body().contains("\"store_unavailable\""), forget.body());
            assertEquals("connected", replicas.status(replicas.url(1)).get("status").asText());
        }
        server.start();
        refresh.get(60, SECONDS);
        return Long.toString(before + 1);
    }

    private void awaitStoredVersion(String version) {
        Replicas.awaitTrue("the rotated pair is saved as version " + version, Duration.ofSeconds(20), () -> {
            try {
                return version.equals(replicas.redis.hget(replicas.prefix + "token:default", "version"));
            } catch (IllegalStateException notYet) {
                return false;
            }
        });
    }

    private void assertServesAndRefreshes(String key) throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> answer = replicas.client.proxiedGet(replicas.url(i) + "/crm/rest/v1/contacts", key)
                    .get(30, SECONDS);
            assertEquals(200, answer.statusCode(), "replica " + i + ": " + answer.body());
        }
        // After Redis came back empty no replica begins a refresh for token-call-limit plus a lease (8 s here).
        Replicas.awaitTrue("a refresh is made once the quiet time after the loss is over", Duration.ofSeconds(40),
                () -> replicas.client.admin("POST", replicas.url(2) + "/admin/connections/default/refresh", null)
                        .statusCode() == 200);
        assertEquals(2, replicas.keap.refreshCalls(), "the pair's refresh token was Keap's live one");
        assertTrue(replicas.keap.mostUsesOfOneRefreshToken() <= 1, "no refresh token reached Keap twice");
        for (int i = 0; i < 3; i++) {
            int replica = i;
            Replicas.awaitTrue("replica " + i + " is connected", Duration.ofSeconds(10),
                    () -> "connected".equals(replicas.status(replicas.url(replica)).get("status").asText()));
        }
        replicas.assertNoSecretLeaked();
    }

    private String logsOf(int replica) {
        try {
            return replicas.gateways.get(replica).logs();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
