package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, the refresh storm: with Keap giving access tokens of 30 s or less, a token counted as expired the
 * moment it was issued (a fixed 30 s skew), so three replicas refreshed on nearly every request (6,288
 * refreshes in 8 minutes). Now the skew and the margin are shares of the lifetime Keap gave, and a grant is
 * refreshed at most once per {@code min-refresh-interval}: for a minute of steady traffic on three replicas,
 * each lifetime gets at most one refresh per half lifetime (plus one), every request is served, and no refresh
 * token reaches Keap twice.
 */
class ShortLifetimeRefreshIT {

    private static final Duration PHASE = Duration.ofMinutes(1);
    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void refreshesStayFewWhenKeapGivesShortLifetimes() throws Exception {
        // Two minutes of one policy, which is plain Java: run in the JVM suite only, to keep CI within its budget.
        assumeFalse(Files.isExecutable(Path.of(System.getProperty("native.image.path", "target/none"))),
                "the JVM suite counts the refreshes");
        replicas = new Replicas(3, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "5s"));
        replicas.keap.setAccessTokenLifetime(Duration.ofSeconds(20));
        replicas.adoptGrant();
        String key = replicas.issueKeyKnownEverywhere(0);
        for (int seconds : new int[] {20, 30}) {
            replicas.keap.setAccessTokenLifetime(Duration.ofSeconds(seconds));
            int before = replicas.keap.refreshCalls();
            Map<Integer, Integer> statuses = traffic(key);
            int refreshes = replicas.keap.refreshCalls() - before;
            long allowed = PHASE.toSeconds() / (seconds / RefreshPolicy.MARGIN_SHARE) + 1;
            System.out.printf("ShortLifetimeRefreshIT: %d s lifetime, %d refreshes in %s (at most %d); answers %s%n",
                    seconds, refreshes, PHASE, allowed, statuses);
            assertTrue(refreshes <= allowed, seconds + " s lifetime: " + refreshes + " refreshes in a minute");
            assertTrue(refreshes >= PHASE.toSeconds() / seconds - 1, seconds + " s lifetime: the grant is kept fresh");
            assertEquals(Map.of(200, statuses.get(200)), statuses, seconds + " s lifetime: every request served");
        }
        assertTrue(replicas.keap.mostUsesOfOneRefreshToken() <= 1, "no refresh token reached Keap twice");
        assertEquals("connected", replicas.status(replicas.url(2)).get("status").asText());
    }

    /** A request every 100 ms, round-robin over the replicas, for one phase; answers counted by status. */
    private Map<Integer, Integer> traffic(String key) throws Exception {
        Map<Integer, Integer> statuses = new TreeMap<>();
        Instant end = Instant.now().plus(PHASE);
        for (int n = 0; Instant.now().isBefore(end); n++) {
            HttpResponse<String> answer = replicas.client.proxiedGet(replicas.url(n % 3) + "/crm/rest/v1/contacts?n=" + n,
                    key).get(30, SECONDS);
            statuses.merge(answer.statusCode(), 1, Integer::sum);
            Thread.sleep(100); // steady traffic, not a load test
        }
        return statuses;
    }
}
