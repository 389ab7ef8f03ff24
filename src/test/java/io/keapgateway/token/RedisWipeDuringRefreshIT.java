package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.RedisServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review finding M-C: Redis restarts empty while one replica's token call is out, and the other replicas are
 * waiting for it. The lease and the exchange record went with Redis, the grant comes back from memory at the
 * old version, and a waiter must still not send the same refresh token: Keap sees every refresh token at most
 * once, 20 times in a row on the same three replicas. Before the fix a waiter began its own exchange in most
 * runs (the holder re-creates its records only at its next keep-alive, a third of a lease later).
 */
class RedisWipeDuringRefreshIT {

    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration CALL_LIMIT = Duration.ofSeconds(4);
    /** How long a replica begins no exchange after it saw the loss (token-call-limit plus lease-ttl). */
    private static final Duration QUIET = CALL_LIMIT.plus(LEASE);
    private static final int RUNS = 20;

    private RedisServerProcess server;
    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        Replicas.closeOn(server, replicas);
    }

    @Test
    void aRefreshTokenReachesKeapAtMostOnceWhenRedisRestartsEmptyDuringItsCall() throws Exception {
        server = RedisServerProcess.startOnFreePort();
        replicas = new Replicas(3, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_LEASE_TTL", LEASE.toSeconds() + "s", "KEAP_GATEWAY_OAUTH_TOKEN_TIMEOUT", "3s",
                "KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", CALL_LIMIT.toSeconds() + "s"), server.uri());
        replicas.adoptGrant();
        replicas.issueKeyKnownEverywhere(0);
        for (int run = 1; run <= RUNS; run++) {
            wipeDuringOneRefresh(run);
        }
        assertEquals("connected", replicas.status(replicas.url(1)).get("status").asText());
    }

    private void wipeDuringOneRefresh(int run) throws Exception {
        FakeKeap keap = replicas.keap;
        keap.clear();
        keap.delayNextTokenCall(Duration.ofSeconds(3));
        int holder = run % 3;
        CompletableFuture<HttpResponse<String>> refresh = refreshOn(holder);
        Replicas.awaitTrue("run " + run + ": the token call is out", Duration.ofSeconds(20), () -> keap.refreshCalls() == 1);
        // The other replicas want a refresh of the same version now: they wait for the holder.
        List<CompletableFuture<HttpResponse<String>>> waiting = List.of(refreshOn((holder + 1) % 3),
                refreshOn((holder + 2) % 3));
        server.stop();
        server.start(); // empty: no lease, no exchange record, no grant, no keys
        Instant restarted = Instant.now();

        HttpResponse<String> answer = refresh.get(60, SECONDS);
        assertEquals(200, answer.statusCode(), "run " + run + ": " + answer.body());
        for (CompletableFuture<HttpResponse<String>> other : waiting) {
            other.get(60, SECONDS); // whatever they answer, they must not have sent the token again
        }
        assertTrue(keap.mostUsesOfOneRefreshToken() <= 1, "run " + run + ": a refresh token reached Keap twice ("
                + keap.refreshCalls() + " refresh calls)");
        assertEquals(1, keap.refreshCalls(), "run " + run + ": one refresh");
        // The next run's holder may begin an exchange only once its quiet time after this loss is over.
        Replicas.awaitTrue("run " + run + ": the quiet time after the loss is over", QUIET.multipliedBy(3),
                () -> Instant.now().isAfter(restarted.plus(QUIET).plusMillis(500)));
    }

    private CompletableFuture<HttpResponse<String>> refreshOn(int replica) {
        return CompletableFuture.supplyAsync(() -> replicas.client.admin("POST",
                replicas.url(replica) + "/admin/connections/default/refresh", null));
    }
}
