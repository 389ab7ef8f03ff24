package io.keapgateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.limits.ReplicaPair.Issued;
import io.keapgateway.limits.SharedDecisions.Outcome;
import io.keapgateway.limits.SharedDecisions.Sent;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two replicas of the packaged gateway sharing one Redis hold a Keap connection's limits together
 * (CONTRACT.md "Limits"): hammered through both, they forward no more than one replica alone may; requests
 * denied by a limit take nothing from the connection's share; and a 429 from Keap seen by one keeps the other
 * from sending too.
 *
 * <p>Each test (each attempt, see {@link SharedDecisions}) uses a connection of its own, with a Keap api key of
 * its own, so limiter state never carries over and what Keap received is told apart; the replicas and their
 * Redis prefix are shared by the class and removed after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // so that a subclass can start the replicas on another Redis
class SharedLimitsIT {

    /** The connection's pace, set through the environment as an operator would. */
    private static final int RATE = 5;
    private static final int BURST = 5;
    private static final String SHARED_POLICY = "\"connection\";q=" + BURST + ";w=1";
    /** A port of the Redis the replicas use (a subclass may start another one). */
    static int redisPort = 6379;

    static FakeKeap keap;
    static String prefix;
    static ReplicaPair replicas;

    @BeforeAll
    void startReplicas() throws Exception {
        replicas = ReplicaPair.start(environment());
    }

    /** Starts the fake Keap; answers the replicas' environment. */
    static Map<String, String> environment() {
        keap = FakeKeap.start();
        prefix = ReplicaPair.uniquePrefix();
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", Integer.toString(RATE));
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", Integer.toString(BURST));
        return env;
    }

    @AfterAll
    void stopReplicas() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
        } finally {
            keap.close();
            try (RedisPeek redis = new RedisPeek(redisPort)) {
                redis.deleteAll(prefix);
            }
        }
    }

    @Test
    void twoReplicasHammeredTogetherForwardNoMoreThanTheConnectionsSharedLimit() throws Exception {
        SharedDecisions.retryWhileDecidedLocally(redisPort, replicas::awaitShared, () -> {
            Issued key = issueToBoth("hammer");

            Hammer.Result result = Hammer.run(Duration.ofSeconds(3), key.key(), replicas.a.url(), replicas.b.url());

            int received = receivedBy(key);
            return Outcome.of(List.of(sent(key, result.total())), () -> {
                double seconds = result.elapsed().toMillis() / 1000.0;
                long ceiling = BURST + (long) Math.ceil(RATE * seconds) + 1; // a full bucket, then the rate
                long floor = BURST + (long) (RATE * seconds / 2);
                assertThat(received).as("what Keap received in %.1f s, %s", seconds, result)
                        .isBetween((int) floor, (int) ceiling);
                assertThat(result.forwarded()).as("200s the clients saw").isEqualTo(received);
                for (Hammer.Tally replica : result.replicas()) {
                    assertThat(replica.unexpected()).as("answers other than 200 and 429").isEmpty();
                    assertThat(replica.forwarded()).as("each replica forwarded some").isPositive();
                    assertThat(replica.policies()).as("the shared limit, as each replica announced it")
                            .containsExactly(SHARED_POLICY);
                }
            });
        });
    }

    @Test
    void deniedRequestsTakeNothingFromTheConnectionsSharedLimit() throws Exception {
        SharedDecisions.retryWhileDecidedLocally(redisPort, replicas::awaitShared, () -> {
            Issued other = issueToBoth("free-denials");
            Issued usedUp = replicas.anotherKeyToBoth(other, ",\"daily_quota\":1");

            HttpResponse<String> first = ProxyCalls.get(replicas.a.url(), usedUp.key());
            // Charged to the connection (5 requests/s), these 30 requests would hold it shut for 6 s.
            String[] both = {replicas.a.url(), replicas.b.url()};
            List<HttpResponse<String>> refused = ProxyCalls.atOnce(30, usedUp.key(), both);
            List<HttpResponse<String>> burst = ProxyCalls.atOnce(BURST, other.key(), both);

            return Outcome.of(List.of(sent(usedUp, 31), sent(other, BURST)), () -> {
                assertThat(first.statusCode()).isEqualTo(200);
                for (HttpResponse<String> answer : refused) {
                    LimitAnswers.assertDenied(answer, "quota_exhausted");
                }
                List<HttpResponse<String>> forwarded = ProxyCalls.withStatus(burst, 200);
                assertThat(forwarded).as("the other key's requests forwarded (connection burst %d, 1 used)", BURST)
                        .hasSizeGreaterThanOrEqualTo(BURST - 1);
                for (HttpResponse<String> answer : ProxyCalls.withStatus(burst, 429)) {
                    assertThat(LimitAnswers.assertDenied(answer, "rate_limited").name()).isEqualTo("connection");
                }
                assertThat(receivedBy(other)).as("what Keap received").isEqualTo(1 + forwarded.size());
            });
        });
    }

    @Test
    void keapsTooManyRequestsSeenByOneReplicaStopsTheOtherUntilTheWindowHasPassed() throws Exception {
        SharedDecisions.retryWhileDecidedLocally(redisPort, replicas::awaitShared, () -> {
            Issued key = issueToBoth("keap-429");
            keap.rejectNextWith429(1);

            HttpResponse<String> throughA = ProxyCalls.get(replicas.a.url(), key.key());
            Instant throttled = Instant.now();
            HttpResponse<String> throughB = ProxyCalls.get(replicas.b.url(), key.key());
            int receivedMeanwhile = receivedBy(key);
            List<HttpResponse<String>> polled = Polling.until("replica B sends again", Duration.ofSeconds(10),
                    Duration.ofMillis(50), () -> ProxyCalls.get(replicas.b.url(), key.key()),
                    answer -> answer.statusCode() == 200);
            Duration held = Duration.between(throttled, Instant.now());

            return Outcome.of(List.of(sent(key, 2 + polled.size())), () -> {
                assertThat(throughA.statusCode()).isEqualTo(429);
                assertThat(throughA.body()).as("Keap's own 429").contains("policies.ratelimit.SpikeArrestViolation");
                assertThat(LimitAnswers.assertDenied(throughB, "rate_limited").name()).isEqualTo("keap");
                assertThat(receivedMeanwhile).as("B did not call Keap").isEqualTo(1);
                for (HttpResponse<String> answer : polled.subList(0, polled.size() - 1)) {
                    LimitAnswers.assertDenied(answer, "rate_limited");
                }
                assertThat(held).as("Keap sends no Retry-After: the gateway backs off at least 1 s")
                        .isGreaterThan(Duration.ofMillis(800));
                assertThat(receivedBy(key)).as("Keap received the throttled request and the one after the window")
                        .isEqualTo(2);
            });
        });
    }

    private static Issued issueToBoth(String purpose) {
        String keapKey = ReplicaPair.uniqueKeapKey();
        keap.acceptApiKey(keapKey);
        return replicas.issueToBoth(purpose, keapKey);
    }

    private static Sent sent(Issued key, long requests) {
        return new Sent(prefix, key.connection(), key.id(), requests);
    }

    /** The API calls Keap received through the key's connection (it alone sends its Keap key). */
    private static int receivedBy(Issued key) {
        return (int) keap.receivedUnder("/crm/").stream()
                .filter(received -> key.keapKey().equals(received.header("X-Keap-API-Key")))
                .count();
    }
}
