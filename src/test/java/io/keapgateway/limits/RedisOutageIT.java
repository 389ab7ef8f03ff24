package io.keapgateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.limits.ReplicaPair.Issued;
import io.keapgateway.limits.SharedDecisions.Outcome;
import io.keapgateway.limits.SharedDecisions.Sent;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis going away in the middle of traffic (CONTRACT.md "Limits": "Redis unreachable: proxying goes on with
 * each replica enforcing its share of the limits locally; no 5xx is caused by Redis alone"). Two replicas
 * share a private Redis that keeps its data across a restart; the test stops it under load, then starts it
 * again: without Redis each replica forwards about half of the connection's limit and nothing fails; with
 * Redis back, one replica may again use the whole shared limit.
 */
class RedisOutageIT {

    private static final int RATE = 5;
    private static final int BURST = 5;
    private static final Duration HAMMER = Duration.ofSeconds(3);
    /** What each of two replicas may allow alone: half of each limit. */
    private static final double SHARE_RATE = RATE / 2.0;
    private static final int SHARE_BURST = BURST / 2;

    private RedisServerProcess redis;
    private FakeKeap keap;
    private ReplicaPair replicas;
    private String prefix;

    @BeforeEach
    void startRedisKeapAndReplicas() throws Exception {
        redis = RedisServerProcess.startDurableOnFreePort();
        keap = FakeKeap.start();
        prefix = ReplicaPair.uniquePrefix();
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("QUARKUS_REDIS_HOSTS", redis.uri());
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", Integer.toString(RATE));
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", Integer.toString(BURST));
        replicas = ReplicaPair.start(env);
    }

    @AfterEach
    void stopEverything() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
        } finally {
            keap.close();
            redis.close();
        }
    }

    @Test
    void keepsForwardingWithLocalSharesWhileRedisIsDownAndSharesTheLimitAgainOnceItIsBack() throws Exception {
        Issued key = replicas.issueToBoth("outage", keapKey());
        awaitEachReplicaCountedBoth();

        redis.stop();
        Hammer.Result down = Hammer.run(HAMMER, key.key(), replicas.a.url(), replicas.b.url());

        double seconds = down.elapsed().toMillis() / 1000.0;
        long shareCeiling = SHARE_BURST + (long) Math.ceil(SHARE_RATE * seconds) + 1;
        long shareFloor = SHARE_BURST + (long) (SHARE_RATE * seconds / 2);
        for (int i = 0; i < 2; i++) {
            Hammer.Tally replica = down.replicas().get(i);
            String which = "replica " + "AB".charAt(i) + " without Redis, " + replica;
            assertThat(replica.unexpected()).as(which + ": no 5xx, nothing but 200 and 429").isEmpty();
            assertThat(replica.forwarded()).as(which + ": forwarded in %.1f s", seconds)
                    .isBetween((int) shareFloor, (int) shareCeiling);
            assertThat(replica.policies()).as(which).containsExactly("\"connection\";q=" + SHARE_BURST + ";w=1");
            assertThat(LocalModeGauge.read(ReplicaPair.metricsUrl(replicas.both().get(i)))).as(which + ": local mode")
                    .isEqualTo(1.0);
        }
        assertThat(receivedBy(key)).as("Keap received").isEqualTo(down.forwarded());

        redis.start();
        SharedDecisions.retryWhileDecidedLocally(redis.port(), replicas::awaitShared, () -> {
            Issued again = replicas.issue(replicas.a, "back", keapKey());

            Hammer.Result back = Hammer.run(HAMMER, again.key(), replicas.a.url());

            return Outcome.of(List.of(new Sent(prefix, again.connection(), again.id(), back.total())), () -> {
                Hammer.Tally a = back.replicas().get(0);
                double backSeconds = back.elapsed().toMillis() / 1000.0;
                long localCeiling = SHARE_BURST + (long) Math.ceil(SHARE_RATE * backSeconds) + 1;
                long sharedCeiling = BURST + (long) Math.ceil(RATE * backSeconds) + 1;
                assertThat(a.unexpected()).as("with Redis back, " + a).isEmpty();
                assertThat(a.forwarded()).as("replica A alone with Redis back, in %.1f s: more than its share, at"
                        + " most the whole limit; %s", backSeconds, a)
                        .isGreaterThan((int) localCeiling).isLessThanOrEqualTo((int) sharedCeiling);
                assertThat(a.policies()).containsExactly("\"connection\";q=" + BURST + ";w=1");
                assertThat(receivedBy(again)).isEqualTo(a.forwarded());
            });
        });
    }

    private String keapKey() {
        String keapKey = ReplicaPair.uniqueKeapKey();
        keap.acceptApiKey(keapKey);
        return keapKey;
    }

    /** The API calls Keap received through the key's connection (it alone sends its Keap key). */
    private int receivedBy(Issued key) {
        return (int) keap.receivedUnder("/crm/").stream()
                .filter(received -> key.keapKey().equals(received.header("X-Keap-API-Key")))
                .count();
    }

    /**
     * Each replica learns the replica count (its divisor without Redis) from its own heartbeat, every 2 s:
     * waits until both have beaten since both were there.
     */
    private void awaitEachReplicaCountedBoth() throws IOException {
        try (RedisPeek peek = new RedisPeek(redis.port())) {
            String census = prefix + "replicas";
            Polling.until("both replicas have beaten", Duration.ofSeconds(10), Duration.ofMillis(100),
                    () -> call(peek, "ZCARD", census), count -> (Long) count == 2);
            long bothThere = redisMillis(peek);
            Polling.until("each replica has beaten since", Duration.ofSeconds(10), Duration.ofMillis(100),
                    () -> (List<?>) call(peek, "ZRANGE", census, "0", "-1", "WITHSCORES"),
                    scores -> Long.parseLong((String) scores.get(1)) > bothThere
                            && Long.parseLong((String) scores.get(3)) > bothThere);
        }
    }

    private static long redisMillis(RedisPeek peek) {
        List<?> time = (List<?>) call(peek, "TIME");
        return Long.parseLong((String) time.get(0)) * 1000 + Long.parseLong((String) time.get(1)) / 1000;
    }

    private static Object call(RedisPeek peek, String... command) {
        try {
            return peek.call(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
