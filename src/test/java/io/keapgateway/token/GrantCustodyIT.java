package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The custody rules under faults, on three packaged replicas sharing one Redis in front of the fake Keap:
 * a holder frozen past its lease, a token call slower than every wait, a forget or a re-connect while a
 * refresh is out, and a run of 401s. After every test no refresh token reached Keap more than once.
 * Lease and waits are seconds here (they are configuration) so that the tests run in seconds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrantCustodyIT {

    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration FLOOR = Duration.ofSeconds(3);
    private static final String OTHER_TENANT = "zz999.infusionsoft.com";

    private static Replicas replicas;

    @BeforeAll
    static void startReplicas() throws Exception {
        replicas = new Replicas(3, Map.of(
                "KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_MIN_REFRESH_INTERVAL", "1s",
                "KEAP_GATEWAY_OAUTH_LEASE_TTL", LEASE.toSeconds() + "s",
                "KEAP_GATEWAY_OAUTH_TOKEN_TIMEOUT", WAIT.toSeconds() + "s",
                "KEAP_GATEWAY_OAUTH_TOKEN_CALL_LIMIT", "60s",
                "KEAP_GATEWAY_OAUTH_REJECTION_REFRESH_FLOOR", FLOOR.toSeconds() + "s"));
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @AfterEach
    void noRefreshTokenWasSentTwice() throws Exception {
        assertTrue(replicas.keap.mostUsesOfOneRefreshToken() <= 1, "every refresh token reached Keap at most once");
        replicas.assertNoSecretLeaked();
        replicas.keap.clear();
    }

    @Test
    @Order(1)
    void aHolderFrozenPastItsLeaseKeepsItsExchangeAndEveryReplicaServesAfterwards() throws Exception {
        FakeKeap keap = replicas.keap;
        String key = connectWithAnExpiredAccessToken();
        keap.delayNextTokenCall(Duration.ofSeconds(4));
        GatewayProcess holder = replicas.gateways.get(0);

        CompletableFuture<HttpResponse<String>> refresh = adminAsync("POST", 0, "/admin/connections/default/refresh");
        Replicas.awaitTrue("replica 0's token call is out", Duration.ofSeconds(20), () -> keap.refreshCalls() == 1);
        holder.freeze();
        try {
            Replicas.awaitTrue("replica 0's lease lapsed", Duration.ofSeconds(20),
                    () -> !replicas.redis.exists(replicas.prefix + "lease:token:default"));
            // The other replicas need a token now, find the lease free, and must still not refresh.
            List<CompletableFuture<HttpResponse<String>>> meanwhile = replicas.sendAtOnce(20, key, 1, 2);
            CompletableFuture.allOf(meanwhile.toArray(CompletableFuture[]::new)).get(60, SECONDS);
            assertEquals(1, keap.refreshCalls(), "no replica sent the refresh token out at Keap");
        } finally {
            holder.thaw();
        }
        refresh.get(60, SECONDS);

        assertEveryReplicaServes(key);
        assertEquals(1, keap.refreshCalls());
        for (int i = 0; i < 3; i++) {
            assertEquals("connected", replicas.status(replicas.url(i)).get("status").asText());
        }
    }

    @Test
    @Order(2)
    void aTokenCallSlowerThanEveryWaitIsAnsweredAndItsPairKept() throws Exception {
        FakeKeap keap = replicas.keap;
        replicas.adoptGrant();
        String key = replicas.issueKeyKnownEverywhere(0);
        String before = replicas.redis.hget(replicas.prefix + "token:default", "version");
        keap.clear();
        keap.delayNextTokenCall(Duration.ofSeconds(15)); // beyond the admin call's wait of 2 x (lease + wait)

        HttpResponse<String> refresh = replicas.client.admin("POST",
                replicas.url(0) + "/admin/connections/default/refresh", null);
        assertEquals(504, refresh.statusCode(), refresh.body());
        assertTrue(refresh.body().contains("\"upstream_timeout\""), refresh.body());

        Replicas.awaitTrue("the late pair is saved", Duration.ofSeconds(30), () ->
                Long.parseLong(replicas.redis.hget(replicas.prefix + "token:default", "version")) == Long.parseLong(before) + 1);
        // The kept pair's refresh token is Keap's live one: the next refresh works.
        replicas.client.adminJson("POST", replicas.url(1) + "/admin/connections/default/refresh", null, 200);
        assertEquals(2, keap.refreshCalls());
        assertEveryReplicaServes(key);
    }

    @Test
    @Order(3)
    void forgettingWhileARefreshIsOutWinsAndThePairIsDiscarded() throws Exception {
        FakeKeap keap = replicas.keap;
        RefreshOut out = refreshHeldUpByKeap();
        String key = out.key();
        CompletableFuture<HttpResponse<String>> refresh = out.answer();
        assertEquals(204, replicas.client.admin("DELETE", replicas.url(1) + "/admin/connections/default/tokens", null)
                .statusCode());
        HttpResponse<String> late = refresh.get(60, SECONDS);
        assertEquals(503, late.statusCode(), late.body());

        for (int i = 0; i < 3; i++) {
            int replica = i;
            Replicas.awaitTrue("replica " + i + " is disconnected", Duration.ofSeconds(10),
                    () -> "disconnected".equals(replicas.status(replicas.url(replica)).get("status").asText()));
            HttpResponse<String> proxied = replicas.client.proxiedGet(replicas.url(i) + "/crm/rest/v1/contacts", key)
                    .get(30, SECONDS);
            assertEquals(503, proxied.statusCode(), proxied.body());
            assertTrue(proxied.body().contains("\"not_connected\""), proxied.body());
        }
        assertAudited("oauth.discarded");
    }

    @Test
    @Order(4)
    void reconnectingToAnotherTenantWhileARefreshIsOutWins() throws Exception {
        FakeKeap keap = replicas.keap;
        RefreshOut out = refreshHeldUpByKeap();
        String key = out.key();
        CompletableFuture<HttpResponse<String>> refresh = out.answer();
        keap.setTenant(OTHER_TENANT);
        String redirect = replicas.url(1) + "/oauth/callback";
        String code = keap.issueAuthorizationCode(FakeKeapResource.CLIENT_ID, redirect);
        JsonNode connected = replicas.client.adminJson("POST", replicas.url(1) + "/admin/connections/default/tokens",
                "{\"code\":\"" + code + "\",\"redirect_uri\":\"" + redirect + "\"}", 200);
        assertEquals(OTHER_TENANT, connected.get("tenant").asText());
        refresh.get(60, SECONDS);

        for (int i = 0; i < 3; i++) {
            int replica = i;
            Replicas.awaitTrue("replica " + i + " holds the new tenant's grant", Duration.ofSeconds(10),
                    () -> OTHER_TENANT.equals(replicas.status(replicas.url(replica)).path("tenant").asText()));
        }
        assertAudited("oauth.discarded");
        assertEveryReplicaServes(key);
    }

    @Test
    @Order(5)
    void twelveKeap401sInARowOverThreeReplicasForceAtMostOneRefresh() throws Exception {
        FakeKeap keap = replicas.keap;
        replicas.adoptGrant();
        String key = replicas.issueKeyKnownEverywhere(0);
        Instant issued = Instant.parse(replicas.status(replicas.url(0)).get("last_refresh_at").asText());
        Replicas.awaitTrue("the access token is older than the floor", FLOOR.multipliedBy(3),
                () -> Instant.now().isAfter(issued.plus(FLOOR).plusMillis(500)));
        keap.clear();
        keap.rejectNextWith401(12);

        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(replicas.client.proxiedGet(replicas.url(i % 3) + "/crm/rest/v1/contacts?n=" + i, key)
                    .get(30, SECONDS));
        }

        assertTrue(keap.refreshCalls() <= 1, "at most one refresh, not " + keap.refreshCalls());
        long passedOn = answers.stream().filter(answer -> answer.statusCode() == 401
                && answer.body().contains("keymanagement.service.invalid_access_token")).count();
        assertTrue(passedOn >= 6, "Keap's 401s reach the client as they are: " + passedOn);
        for (HttpResponse<String> answer : answers) {
            assertTrue(answer.statusCode() == 200 || answer.statusCode() == 401, answer.body());
        }
        Replicas.awaitTrue("the status shows why", Duration.ofSeconds(10), () -> replicas.status(replicas.url(0))
                .path("last_refresh_error").asText().contains("not refreshed again"));
        double counted = 0;
        for (GatewayProcess gateway : replicas.gateways) {
            counted += youngTokenRejections(gateway);
        }
        assertTrue(counted >= 1, "the metric counts the 401s passed on without a refresh: " + counted);
    }

    private static double youngTokenRejections(GatewayProcess gateway) {
        String metrics = replicas.client.get(gateway.managementUrl() + "/q/metrics").body();
        return metrics.lines().filter(line -> line.startsWith("keap_gateway_oauth_young_token_rejections_total{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Adopts a grant whose access token Keap made expire at once, then lets new tokens live 24 h again. */
    private static String connectWithAnExpiredAccessToken() {
        replicas.keap.setAccessTokenLifetime(Duration.ofSeconds(1));
        replicas.adoptGrant();
        Instant adopted = Instant.now();
        String key = replicas.issueKeyKnownEverywhere(0);
        // A grant refreshed within min-refresh-interval (1 s here) is not refreshed again, expired or not.
        Replicas.awaitTrue("the grant is older than min-refresh-interval", Duration.ofSeconds(5),
                () -> Instant.now().isAfter(adopted.plusMillis(1200)));
        replicas.keap.clear();
        return key;
    }

    /** A key every replica knows, and an operator's refresh whose token call Keap holds for 3 s. */
    private record RefreshOut(String key, CompletableFuture<HttpResponse<String>> answer) {
    }

    /** Connects {@code default}, issues a key, and returns once the refresh's token call has reached Keap. */
    private static RefreshOut refreshHeldUpByKeap() {
        FakeKeap keap = replicas.keap;
        replicas.adoptGrant();
        String key = replicas.issueKeyKnownEverywhere(0);
        keap.clear();
        keap.delayNextTokenCall(Duration.ofSeconds(3));
        CompletableFuture<HttpResponse<String>> refresh = adminAsync("POST", 0, "/admin/connections/default/refresh");
        Replicas.awaitTrue("the token call is out", Duration.ofSeconds(20), () -> keap.refreshCalls() == 1);
        return new RefreshOut(key, refresh);
    }

    private static CompletableFuture<HttpResponse<String>> adminAsync(String method, int replica, String path) {
        return CompletableFuture.supplyAsync(() -> replicas.client.admin(method, replicas.url(replica) + path, null));
    }

    private static void assertEveryReplicaServes(String key) {
        for (int i = 0; i < 3; i++) {
            String base = replicas.url(i);
            Replicas.awaitTrue("replica " + i + " serves", Duration.ofSeconds(20), () -> {
                try {
                    return replicas.client.proxiedGet(base + "/crm/rest/v1/contacts", key).get(30, SECONDS)
                            .statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static void assertAudited(String action) {
        JsonNode audit = replicas.client.adminJson("GET", replicas.url(2) + "/admin/audit?limit=200", null, 200);
        assertTrue(audit.toString().contains("\"" + action + "\""), audit.toString());
    }
}
