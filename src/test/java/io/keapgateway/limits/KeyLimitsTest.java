package io.keapgateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.limits.LimitAnswers.Announced;
import io.keapgateway.limits.TestConnections.Conn;
import io.keapgateway.limits.TestConnections.Issued;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, "Quota guardian", end to end on one replica against real Redis and the fake Keap: a key's rate
 * and daily quota, what a denied request costs (nothing), Keap's own 429 and its low-quota report, and what
 * the admin API shows about all of it. Every test asserts what the client saw (status, {@code Retry-After},
 * {@code RateLimit-Policy}/{@code RateLimit}, problem+json) and what Keap received.
 *
 * <p>Each test (each attempt, see {@link SharedDecisions}) has a Keap connection of its own, with its own
 * Keap api key ({@link TestConnections}), so that its limiter state (in Redis and in the gateway's memory) and
 * Keap's quota bookkeeping are its alone, and what Keap received is told apart by that key.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeyLimitsTest {

    /** Keap's daily quota of an api key (KEAP-API-FACTS.md section 4), which the fake reports. */
    private static final long KEAP_KEY_DAILY_LIMIT = 30_000;

    /** Whether the gateway under test has served a few bursts already (see {@link #resetKeapAndWarmUp()}). */
    private static boolean warm;

    private final Admin admin = Admin.local();
    @TestHTTPResource("/")
    URL base;
    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URL metrics;
    private String gateway;
    private FakeKeap keap;
    private TestConnections made;

    @BeforeEach
    void resetKeapAndWarmUp() throws Exception {
        gateway = "http://" + base.getHost() + ":" + base.getPort();
        keap = FakeKeapResource.fake();
        keap.clear();
        made = new TestConnections(admin, keap);
        if (!warm) {
            // "At once" means within a few hundred ms at the gateway: on a cold JVM (a busy two-core machine,
            // code still interpreted) twenty concurrent requests can take longer than that to decide.
            Map<String, ?> unlimited = Map.of("rate", Map.of("per_second", 1000, "burst", 1000));
            String key = made.key(made.connection("warm-up"), unlimited).key();
            for (int i = 0; i < 5; i++) {
                ProxyCalls.atOnce(20, key, gateway);
            }
            warm = true;
            keap.clear();
        }
    }

    @AfterEach
    void removeConnections() throws Exception {
        keap.clear();
        made.removeAll();
    }

    @Test
    void forwardsExactlyTheBurstWhenTwentyRequestsArriveAtOnce() throws Exception {
        SharedDecisions.retryWhileDecidedLocally(TestConnections.REDIS_PORT, this::awaitSharedLimits, () -> {
            Issued key = made.key(made.connection("burst"), Map.of("rate", Map.of("per_second", 2, "burst", 2)));

            List<HttpResponse<String>> answers = ProxyCalls.atOnce(20, key.key(), gateway);

            return SharedDecisions.Outcome.of(List.of(key.sent(20)), () -> {
                List<HttpResponse<String>> forwarded = ProxyCalls.withStatus(answers, 200);
                List<HttpResponse<String>> denied = ProxyCalls.withStatus(answers, 429);
                assertThat(forwarded).as("forwarded").hasSize(2);
                assertThat(denied).as("denied").hasSize(18);
                for (HttpResponse<String> answer : forwarded) {
                    assertThat(LimitAnswers.announced(answer).policy()).isEqualTo("\"key\";q=2;w=1");
                }
                for (HttpResponse<String> answer : denied) {
                    Announced limit = LimitAnswers.assertDenied(answer, "rate_limited");
                    assertThat(limit.policy()).isEqualTo("\"key\";q=2;w=1");
                    assertThat(limit.remaining()).isZero();
                    assertThat(LimitAnswers.retryAfterSeconds(answer)).isBetween(1L, 2L);
                }
                assertThat(made.receivedBy(key.connection())).as("what Keap received").isEqualTo(2);
            });
        });
    }

    @Test
    void enforcesTheDailyQuotaWhichRateLimitedRequestsDoNotUseUp() throws Exception {
        awayFromUtcMidnight();
        SharedDecisions.retryWhileDecidedLocally(TestConnections.REDIS_PORT, this::awaitSharedLimits, () -> {
            Issued key = made.key(made.connection("daily"),
                    Map.of("rate", Map.of("per_second", 1, "burst", 1), "daily_quota", 2));
            long toMidnight = secondsToUtcMidnight();

            List<HttpResponse<String>> answers = new ArrayList<>(ProxyCalls.atOnce(10, key.key(), gateway));
            if (answers.stream().noneMatch(answer -> isDenial(answer, "quota_exhausted"))) {
                answers.addAll(Polling.until("the key's daily quota is used up", Duration.ofSeconds(5),
                        Duration.ofMillis(100), () -> ProxyCalls.get(gateway, key.key()),
                        answer -> isDenial(answer, "quota_exhausted")));
            }

            return SharedDecisions.Outcome.of(List.of(key.sent(answers.size())), () -> {
                // Had the rate's denials counted against the day, a single request would have passed.
                assertThat(ProxyCalls.withStatus(answers, 200)).as("allowed").hasSize(2);
                List<HttpResponse<String>> denied = ProxyCalls.withStatus(answers, 429);
                List<HttpResponse<String>> exhausted = denied.stream()
                        .filter(answer -> isDenial(answer, "quota_exhausted")).toList();
                List<HttpResponse<String>> rateLimited = denied.stream()
                        .filter(answer -> !isDenial(answer, "quota_exhausted")).toList();
                assertThat(rateLimited).as("denied by the rate").isNotEmpty();
                for (HttpResponse<String> answer : rateLimited) {
                    LimitAnswers.assertDenied(answer, "rate_limited");
                }
                assertThat(exhausted).as("denied by the daily quota").isNotEmpty();
                for (HttpResponse<String> answer : exhausted) {
                    Announced daily = LimitAnswers.assertDenied(answer, "quota_exhausted");
                    assertThat(daily.policy()).isEqualTo("\"key_daily\";q=2;w=86400");
                    assertThat(LimitAnswers.retryAfterSeconds(answer)).as("until 00:00 UTC")
                            .isBetween(1L, toMidnight + 1);
                }
                assertThat(made.receivedBy(key.connection())).as("what Keap received").isEqualTo(2);

                JsonNode view = GatewayClient.parse(admin.request().get("/admin/keys/" + key.id())
                        .then().statusCode(200).extract().asString());
                assertThat(view.path("requests_today").asLong()).as("requests_today").isEqualTo(2);
                assertThat(view.path("denied_today").asLong()).as("denied_today").isEqualTo(answers.size() - 2);
            });
        });
    }

    @Test
    void keapsOwnTooManyRequestsHoldsBackEveryRequestUntilItsWindowHasPassed() {
        Conn connection = made.connection("keap-429");
        String key = made.key(connection, Map.of()).key();
        keap.rejectNextWith429(1);

        HttpResponse<String> keaps = ProxyCalls.get(gateway, key);
        Instant throttled = Instant.now();
        assertThat(keaps.statusCode()).isEqualTo(429);
        assertThat(keaps.body()).as("Keap's own error, passed through")
                .contains("policies.ratelimit.SpikeArrestViolation");
        LimitAnswers.announced(keaps);

        List<HttpResponse<String>> polled = Polling.until("Keap's window has passed", Duration.ofSeconds(10),
                Duration.ofMillis(50), () -> ProxyCalls.get(gateway, key), answer -> answer.statusCode() == 200);
        Duration held = Duration.between(throttled, Instant.now());

        assertThat(polled.size()).as("requests answered by the gateway meanwhile").isGreaterThan(1);
        for (HttpResponse<String> answer : polled.subList(0, polled.size() - 1)) {
            assertThat(LimitAnswers.assertDenied(answer, "rate_limited").name()).isEqualTo("keap");
            assertThat(LimitAnswers.retryAfterSeconds(answer)).isBetween(1L, 2L);
        }
        LimitAnswers.announced(polled.get(polled.size() - 1));
        assertThat(held).as("Keap sends no Retry-After: the gateway backs off at least 1 s")
                .isGreaterThan(Duration.ofMillis(800));
        assertThat(made.receivedBy(connection)).as("Keap received the throttled request and the one after the window")
                .isEqualTo(2);
    }

    @Test
    void letsOnlyHighPriorityKeysThroughWhenKeapsDailyQuotaRunsLow() {
        Conn connection = made.connection("priority");
        String normal = made.key(connection, Map.of("priority", "normal")).key();
        String high = made.key(connection, Map.of("priority", "high")).key();
        keap.setQuotaAvailable(1_000); // below 10% of the key's 30,000 a day

        HttpResponse<String> first = ProxyCalls.get(gateway, high);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-keap-product-quota-available")).hasValue("999");
        List<HttpResponse<String>> polled = Polling.until("the gateway believes Keap's low quota",
                Duration.ofSeconds(5), Duration.ofMillis(250), () -> ProxyCalls.get(gateway, normal),
                answer -> answer.statusCode() == 429);
        HttpResponse<String> shutOut = polled.get(polled.size() - 1);
        Announced keapsQuota = LimitAnswers.assertDenied(shutOut, "quota_exhausted");
        assertThat(keapsQuota.name()).isEqualTo("keap");
        assertThat(keapsQuota.quota()).isEqualTo(KEAP_KEY_DAILY_LIMIT);
        assertThat(keapsQuota.window()).isEqualTo(86_400);
        int received = made.receivedBy(connection);

        HttpResponse<String> stillHigh = ProxyCalls.get(gateway, high);
        HttpResponse<String> stillNormal = ProxyCalls.get(gateway, normal);

        assertThat(stillHigh.statusCode()).as("a high-priority key passes").isEqualTo(200);
        LimitAnswers.announced(stillHigh);
        LimitAnswers.assertDenied(stillNormal, "quota_exhausted");
        assertThat(made.receivedBy(connection)).as("only the high-priority request reached Keap")
                .isEqualTo(received + 1);
    }

    @Test
    void showsWhatKeapLastReportedUnderTheConnectionsQuota() {
        Conn connection = made.connection("report");
        String key = made.key(connection, Map.of()).key();
        keap.setQuotaAvailable(12_345);

        HttpResponse<String> answer = ProxyCalls.get(gateway, key);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("x-keap-product-quota-available")).hasValue("12344");

        List<JsonNode> views = Polling.until("GET /admin/connections/" + connection.name() + " shows Keap's report",
                Duration.ofSeconds(3), Duration.ofMillis(100), () -> connectionView(connection.name()),
                view -> view.path("quota").isObject());
        JsonNode quota = views.get(views.size() - 1).path("quota");
        List<Long> numbers = new ArrayList<>();
        collectNumbers(quota, numbers);
        assertThat(numbers).as("numbers in %s", quota).contains(12_344L, KEAP_KEY_DAILY_LIMIT);
    }

    private static boolean isDenial(HttpResponse<String> answer, String code) {
        return answer.statusCode() == 429 && code.equals(GatewayClient.parse(answer.body()).path("code").asText());
    }

    /**
     * Waits until the gateway decides in Redis (gauge {@code keap_gateway_ratelimit_local_mode} at 0). The
     * packaged application's management port is not known to {@code @QuarkusIntegrationTest}; there, the
     * check in {@link SharedDecisions} alone has to do.
     */
    private void awaitSharedLimits() {
        Polling.until("the limiter decides in Redis", Duration.ofSeconds(10), Duration.ofMillis(100),
                () -> LocalModeGauge.readIfReachable(metrics.toString()), mode -> mode.orElse(0.0) == 0.0);
    }

    private JsonNode connectionView(String connection) {
        return GatewayClient.parse(admin.request().get("/admin/connections/" + connection)
                .then().statusCode(200).extract().asString());
    }

    private static void collectNumbers(JsonNode node, List<Long> numbers) {
        if (node.isIntegralNumber()) {
            numbers.add(node.asLong());
        } else if (node.isTextual() && node.asText().matches("\\d{1,18}")) {
            numbers.add(Long.parseLong(node.asText()));
        }
        node.forEach(child -> collectNumbers(child, numbers));
    }

    private static long secondsToUtcMidnight() {
        Instant midnight = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Duration.between(Instant.now(), midnight).toSeconds();
    }

    /** A day's counts start over at 00:00 UTC: a test of them does not straddle it. */
    private static void awayFromUtcMidnight() {
        long left = secondsToUtcMidnight();
        if (left < 30) {
            Polling.pause(Duration.ofSeconds(left + 2)); // waiting for the clock itself, nothing to observe
        }
    }
}
