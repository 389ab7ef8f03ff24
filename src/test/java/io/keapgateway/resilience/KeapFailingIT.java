package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keap failing or hanging, against the packaged gateway: the circuit breaker answers locally while Keap
 * fails and lets a probe through once its open time is over; the bulkhead keeps at most N requests waiting
 * on a hanging Keap and refuses the rest at once, a request finding no free pooled connection gives up
 * after the pool wait, and health and admin keep answering meanwhile.
 */
class KeapFailingIT {

    private static final String CONTACTS = "/crm/rest/v1/contacts";
    private static final int THRESHOLD = 3;
    private static final int MAX_IN_FLIGHT = 4;
    /** One fewer connections to Keap than requests allowed in flight: the last one waits for the pool. */
    private static final int POOL = MAX_IN_FLIGHT - 1;
    private static final String STATE = "keap_gateway_circuit_state{connection=\"default\"}";

    private static OneReplica replica;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        replica = new OneReplica(Map.of(
                "KEAP_GATEWAY_BREAKER_FAILURE_THRESHOLD", Integer.toString(THRESHOLD),
                "KEAP_GATEWAY_BREAKER_OPEN_DURATION", "3s",
                "KEAP_GATEWAY_PROXY_MAX_IN_FLIGHT", Integer.toString(MAX_IN_FLIGHT),
                "KEAP_GATEWAY_PROXY_POOL_SIZE", Integer.toString(POOL),
                "KEAP_GATEWAY_PROXY_POOL_WAIT_TIMEOUT", "1s"));
        key = replica.key("drupal", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (replica != null) {
            replica.close();
        }
    }

    @AfterEach
    void keapRecovers() {
        replica.keap.clear();
    }

    @Test
    void opensOnKeapsFailuresAnswersLocallyThenHalfOpensAndClosesOnceKeapRecovers() throws Exception {
        replica.keap.failWith(503);
        for (int i = 0; i < THRESHOLD; i++) {
            HttpResponse<String> keaps = replica.get(CONTACTS, key).get(60, TimeUnit.SECONDS);
            assertThat(keaps.statusCode()).isEqualTo(503);
            assertThat(keaps.body()).as("Keap's own error passes through").contains("\"fault\"");
        }
        int calls = replica.keap.receivedUnder(CONTACTS).size();

        long start = System.nanoTime();
        HttpResponse<String> local = replica.get(CONTACTS, key).get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(local.statusCode()).isEqualTo(503);
        assertThat(local.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(local.body()).contains("\"code\":\"upstream_unavailable\"");
        assertThat(local.headers().firstValue("Retry-After").map(Integer::parseInt)).hasValueSatisfying(
                seconds -> assertThat(seconds).isBetween(1, 3));
        assertThat(took).as("answered locally, not after Keap").isLessThan(Duration.ofMillis(1500));
        assertThat(replica.keap.receivedUnder(CONTACTS)).as("Keap not called while open").hasSize(calls);
        assertThat(replica.connectionStatus()).contains("\"circuit\":\"open\"");
        assertThat(replica.metric(STATE)).isEqualTo(2.0);

        replica.keap.recover();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> replica.connectionStatus().contains("\"circuit\":\"half_open\""));
        assertThat(replica.metric(STATE)).isEqualTo(1.0);
        assertThat(replica.keap.receivedUnder(CONTACTS)).as("still no call before the probe").hasSize(calls);

        HttpResponse<String> probe = replica.get(CONTACTS, key).get(60, TimeUnit.SECONDS);
        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(replica.keap.receivedUnder(CONTACTS)).hasSize(calls + 1);
        assertThat(replica.connectionStatus()).contains("\"circuit\":\"closed\"");
        assertThat(replica.metric(STATE)).isEqualTo(0.0);
        assertThat(replica.gateway.logs()).containsOnlyOnce("circuit open").containsOnlyOnce("circuit closed");
    }

    @Test
    void keepsAtMostNRequestsWaitingOnAHangingKeapAndRefusesTheRestAtOnce() throws Exception {
        replica.keap.hang();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < MAX_IN_FLIGHT + 6; i++) {
            sent.add(replica.get(CONTACTS + "?i=" + i, key));
        }

        // 6 beyond the bulkhead, and 1 that found the pool of 3 taken (after the 1 s pool wait).
        await().atMost(Duration.ofSeconds(30)).until(() -> done(sent).size() == 7);
        List<String> details = new ArrayList<>();
        for (HttpResponse<String> refused : done(sent)) {
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"code\":\"upstream_unavailable\"");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            details.add(refused.body());
        }
        assertThat(details).filteredOn(body -> body.contains("Too many requests are waiting on Keap")).hasSize(6);
        assertThat(details).filteredOn(body -> body.contains("No connection to Keap became free in time")).hasSize(1);
        assertThat(replica.keap.receivedUnder(CONTACTS)).hasSize(POOL);

        long start = System.nanoTime();
        assertThat(replica.getNow(replica.gateway.managementUrl() + "/q/health/live").statusCode()).isEqualTo(200);
        assertThat(replica.connectionStatus()).contains("\"circuit\":\"closed\"");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("health and admin answer meanwhile")
                .isLessThan(Duration.ofSeconds(2));
        assertThat(done(sent)).as("the ones sent to Keap still wait").hasSize(7);

        replica.keap.release();
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(sent.stream().map(CompletableFuture::join).filter(answer -> answer.statusCode() == 200))
                .hasSize(POOL);
    }

    private static List<HttpResponse<String>> done(List<CompletableFuture<HttpResponse<String>>> sent) {
        return sent.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join).toList();
    }
}
