package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static java.util.stream.Collectors.counting;
import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.GatewayClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three replicas refreshing one grant at once, through a slow token endpoint: Keap must see one refresh,
 * and the grant must never fork, not even when the replica holding the refresh lease dies mid-call. The
 * replicas are started once (start-up dominates the run time); each test connects a grant of its own, and
 * the test that kills a replica runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefreshRaceIT {

    private static final Duration SLOW_TOKEN_ENDPOINT = Duration.ofSeconds(2);

    private static Replicas replicas;

    @BeforeAll
    static void startReplicas() throws Exception {
        // The scheduled check stays out of the way: requests are what must trigger the refresh here.
        // A token call limit of seconds: the dead holder's "exchange in progress" record lapses within the test.
        replicas = new Replicas(3, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_LEASE_TTL", "2s", "KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", "4s",
                "KEAP_GATEWAY_OAUTH_MIN_REFRESH_INTERVAL", "1s"));
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    @Order(1)
    void twoHundredRequestsOnThreeReplicasFindTheTokenExpiredAndKeapSeesOneRefresh() throws Exception {
        FakeKeap keap = replicas.keap;
        String key = connectWithAnExpiredAccessToken();

        Instant start = Instant.now();
        List<CompletableFuture<HttpResponse<String>>> requests = replicas.sendAtOnce(200, key, 0, 1, 2);
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).get(60, SECONDS);
        Duration took = Duration.between(start, Instant.now());

        assertEquals(Map.of(200, 200L), statuses(requests), () -> "every request succeeds; the others: "
                + requests.stream().map(CompletableFuture::join).filter(r -> r.statusCode() != 200)
                        .map(HttpResponse::body).distinct().toList());
        assertEquals(1, keap.refreshCalls(), "Keap sees exactly one refresh");
        Set<String> sent = keap.receivedUnder("/crm/rest/v1/contacts").stream()
                .map(received -> received.header("Authorization")).collect(toSet());
        assertEquals(1, sent.size(), "every replica forwarded with the one new access token");
        Instant refreshArrived = keap.receivedUnder("/token").get(0).receivedAt();
        System.out.printf("RefreshRaceIT: 200 concurrent requests over 3 replicas, %d refresh at Keap; the refresh "
                + "reached Keap %d ms after the first request, all 200 answered after %d ms (token endpoint "
                + "latency %d ms)%n", keap.refreshCalls(), Duration.between(start, refreshArrived).toMillis(),
                took.toMillis(), SLOW_TOKEN_ENDPOINT.toMillis());
        replicas.assertNoSecretLeaked();
    }

    @Test
    @Order(2)
    void theGrantSurvivesOrIsReportedNeedsReauthWhenTheLeaseHolderDiesMidRefresh() throws Exception {
        FakeKeap keap = replicas.keap;
        String key = connectWithAnExpiredAccessToken();

        CompletableFuture.runAsync(() -> replicas.client.admin("POST",
                replicas.url(0) + "/admin/connections/default/refresh", null)); // dies with replica 0
        Replicas.awaitTrue("replica 0 is inside its token call", Duration.ofSeconds(10), () -> keap.refreshCalls() == 1);
        List<CompletableFuture<HttpResponse<String>>> requests = replicas.sendAtOnce(60, key, 1, 2);
        replicas.gateways.get(0).kill(); // Keap still completes the rotation; its result dies with the holder
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).get(60, SECONDS);

        for (CompletableFuture<HttpResponse<String>> request : requests) {
            HttpResponse<String> answer = request.join();
            assertTrue(answer.statusCode() == 200
                    || answer.statusCode() == 503 && answer.body().contains("\"not_connected\""), answer.body());
        }
        assertTrue(keap.refreshCalls() <= 2, "at most the dead holder's refresh and one takeover");
        String outcome = replicas.status(replicas.url(1)).get("status").asText();
        if (outcome.equals("needs_reauth")) {
            assertReportedOnce();
        } else {
            assertEquals("connected", outcome);
            // Still connected means the refresh token held is Keap's live one: refreshing it again works.
            replicas.client.adminJson("POST", replicas.url(2) + "/admin/connections/default/refresh", null, 200);
        }
        System.out.printf("RefreshRaceIT: lease holder killed mid-refresh -> %s; Keap saw %d refreshes; requests %s%n",
                outcome, keap.refreshCalls(), statuses(requests));
        replicas.assertNoSecretLeaked();
    }

    /** Adopts a grant whose access token Keap made expire at once, then lets new tokens live 24 h again. */
    private String connectWithAnExpiredAccessToken() {
        replicas.keap.setAccessTokenLifetime(Duration.ofSeconds(1));
        replicas.adoptGrant();
        Instant adopted = Instant.now();
        String key = replicas.issueKeyKnownEverywhere(0);
        // A grant refreshed within min-refresh-interval (1 s here) is not refreshed again, expired or not.
        Replicas.awaitTrue("the grant is older than min-refresh-interval", Duration.ofSeconds(5),
                () -> Instant.now().isAfter(adopted.plusMillis(1200)));
        for (int i = 0; i < replicas.gateways.size(); i++) {
            // A refresh job may have renewed the 1 s token meanwhile; that token expires within a second too.
            String url = replicas.url(i);
            Replicas.awaitTrue("replica " + i + " sees it expired", Duration.ofSeconds(10), () -> Instant.parse(
                    replicas.status(url).get("access_token_expires_at").asText())
                    .isBefore(Instant.now().plus(RefreshPolicyTest.SKEW)));
        }
        replicas.keap.clear(); // counters back to zero, 24 h lifetime again
        replicas.keap.setTokenLatency(SLOW_TOKEN_ENDPOINT);
        return key;
    }

    /** The surviving replicas agree, wellness (not readiness) names the connection, and the loss was audited once. */
    private void assertReportedOnce() {
        for (int i = 1; i <= 2; i++) {
            int replica = i;
            Replicas.awaitTrue("replica " + i + " reports needs_reauth", Duration.ofSeconds(5), () ->
                    "needs_reauth".equals(replicas.status(replicas.url(replica)).get("status").asText()));
            HttpResponse<String> well = replicas.client.get(replicas.gateways.get(i).managementUrl() + "/q/health/well");
            assertEquals(503, well.statusCode());
            assertTrue(well.body().matches("(?s).*\"default\"\\s*:\\s*\"needs_reauth\".*"), well.body()); // pretty-printed
            assertEquals(200, replicas.client.get(replicas.gateways.get(i).managementUrl() + "/q/health/ready").statusCode());
        }
        JsonNode audit = replicas.client.adminJson("GET", replicas.url(1) + "/admin/audit?limit=1000", null, 200);
        long reports = 0;
        for (JsonNode entry : audit) {
            reports += entry.get("action").asText().equals("oauth.needs_reauth") ? 1 : 0;
        }
        assertEquals(1, reports, "audited once: " + GatewayClient.parse(audit.toString()));
    }

    private static Map<Integer, Long> statuses(List<CompletableFuture<HttpResponse<String>>> requests) {
        return requests.stream().map(CompletableFuture::join).collect(groupingBy(HttpResponse::statusCode, counting()));
    }
}
