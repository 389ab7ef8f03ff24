package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.testsupport.RedisServerProcess;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A limiter on a private {@code redis-server} that the tests stop and start again: decisions go on
 * locally, with this replica's share of each limit, and return to Redis when it is back. Also counts
 * what the limiter sends to Redis.
 */
class LocalFallbackTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String PREFIX = "kgw:";
    private static final String CONNECTION = "default";
    /**
     * A stopped Redis refuses connections at once; only the test of a Redis that hangs needs the real short
     * timeout. Elsewhere a slow test machine must not turn a test into one of local mode.
     */
    private static final Duration PATIENT = Duration.ofSeconds(5);

    private RedisServerProcess server;
    private TestRedisClient client;
    private final MutableClock clock = new MutableClock(Instant.parse("2031-03-14T12:00:00Z"));
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private RateLimiter limiter;

    @BeforeEach
    void startRedis() {
        server = RedisServerProcess.startOnFreePort();
        client = new TestRedisClient(server.uri());
        limiter = new RateLimiter(client.dataSource(), settings(PATIENT), clock, registry);
    }

    @AfterEach
    void stopRedis() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void decidesLocallyWithItsShareWhileRedisIsDownAndSharesAgainWhenItIsBack() {
        new ReplicaCensus(client.dataSource(), new LimitKeys(PREFIX)).beat().await().atMost(WAIT); // a second replica
        limiter.heartbeat().await().atMost(WAIT);
        assertEquals(2, limiter.replicas());
        assertEquals("\"key\";q=4;w=4", acquire().policyHeader(), "shared: the key's whole limit");
        assertEquals(0.0, localModeGauge());

        server.stop();
        Decision first = acquire();
        assertTrue(first.allowed(), "Redis down is no reason to refuse");
        assertEquals("\"key\";q=2;w=4", first.policyHeader(), "local: half of the burst for one of two replicas");
        assertEquals(1.0, localModeGauge());
        assertTrue(acquire().allowed());
        Decision third = acquire();
        assertFalse(third.allowed());
        assertEquals(ErrorCode.RATE_LIMITED, third.denial());
        assertEquals(new Usage(2, 1), limiter.usage(CONNECTION, "key1"), "counted locally meanwhile");

        server.start();
        for (int attempt = 0; attempt < 20 && localModeGauge() == 1.0; attempt++) {
            limiter.heartbeat().await().atMost(WAIT); // the first may meet a connection Redis closed
        }
        assertEquals(0.0, localModeGauge());
        Decision shared = acquire();
        assertTrue(shared.allowed());
        assertEquals("\"key\";q=4;w=4", shared.policyHeader());
        assertEquals("\"key\";r=3;t=1", shared.rateLimitHeader(), "counted afresh: this Redis keeps no data");
        String requests = client.dataSource().hash(String.class)
                .hget(new LimitKeys(PREFIX).key(CONNECTION, "key1"), "requests").await().atMost(WAIT);
        assertEquals("1", requests, "the decision was made in Redis");
    }

    @Test
    void localModeStartsFromTheDaysCountsRedisLastAnsweredNotFromZero() {
        // Redis counts on its own clock: this limiter's day must be Redis's day.
        RateLimiter today = new RateLimiter(client.dataSource(), settings(PATIENT),
                new MutableClock(Instant.now()), new SimpleMeterRegistry());
        today.heartbeat().await().atMost(WAIT);
        LimitRequest daily = new LimitRequest("key1", CONNECTION, false, 1000, 1000, 10L, false);
        for (int i = 0; i < 6; i++) {
            assertTrue(today.acquire(daily).await().atMost(WAIT).allowed());
        }

        server.stop();
        for (int i = 0; i < 4; i++) {
            assertTrue(today.acquire(daily).await().atMost(WAIT).allowed(), "request " + (7 + i) + " of 10");
        }
        Decision eleventh = today.acquire(daily).await().atMost(WAIT);
        assertTrue(today.decidesLocally());
        assertFalse(eleventh.allowed(), "the day's quota of 10 is not restarted by the outage");
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, eleventh.denial());
    }

    @Test
    void aReplicaStartedDuringAnOutageTakesItsShareForTheConfiguredReplicaFloor() {
        server.stop();
        LimiterSettings floorOfThree = new LimiterSettings(PREFIX, 10, 20, OptionalInt.empty(), OptionalInt.empty(),
                OptionalLong.empty(), PATIENT, 1, Duration.ofSeconds(1), 3);
        RateLimiter started = new RateLimiter(client.dataSource(), floorOfThree, clock, new SimpleMeterRegistry());
        started.heartbeat().await().atMost(WAIT); // fails: it has counted only itself
        LimitRequest burstOfSix = new LimitRequest("key1", CONNECTION, false, 1, 6, null, false);

        Decision first = started.acquire(burstOfSix).await().atMost(WAIT);
        assertTrue(first.allowed());
        assertEquals("\"key\";q=2;w=6", first.policyHeader(), "a third of the burst of 6 (and of the rate)");
        assertTrue(started.acquire(burstOfSix).await().atMost(WAIT).allowed());
        assertFalse(started.acquire(burstOfSix).await().atMost(WAIT).allowed());
    }

    @Test
    void decidesLocallyWhenRedisDoesNotAnswerInTimeAndSwitchesAfterThreeInARow() throws IOException {
        // The kernel accepts connections to a listening socket that nobody serves: Redis that hangs.
        try (ServerSocket silent = new ServerSocket(0); var hanging = new TestRedisClient(
                "redis://127.0.0.1:" + silent.getLocalPort())) {
            MeterRegistry stuckRegistry = new SimpleMeterRegistry();
            RateLimiter stuck = new RateLimiter(
                    hanging.dataSource(), settings(LimiterSettings.REDIS_TIMEOUT), clock, stuckRegistry);
            long started = System.nanoTime();
            Decision decision = stuck.acquire(request()).await().atMost(WAIT);
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(decision.allowed());
            assertTrue(tookMillis < 2000, "waited " + tookMillis + " ms");
            assertEquals(0.0, stuckRegistry.find(LocalMode.GAUGE).gauge().value(),
                    "one slow answer is decided locally without leaving shared mode");
            stuck.acquire(request()).await().atMost(WAIT);
            stuck.acquire(request()).await().atMost(WAIT);
            assertEquals(1.0, stuckRegistry.find(LocalMode.GAUGE).gauge().value(),
                    "three slow answers in a row switch the replica to local mode");
        }
    }

    @Test
    void acquireCostsOneRedisCommand() throws IOException {
        acquire(); // loads the script
        try (RedisMonitor monitor = new RedisMonitor(server.port())) {
            for (int i = 0; i < 3; i++) {
                assertTrue(acquire().allowed());
            }
            assertEquals(List.of("evalsha", "evalsha", "evalsha"), commandsUntilNow(monitor));
        }
    }

    @Test
    void keapReportsReachRedisAtMostOncePerSecond() throws IOException {
        limiter.observe(CONNECTION, quota(2000), 200);
        limiter.flushKeapReports().await().atMost(WAIT); // loads the script, outside what is counted
        clock.advance(Duration.ofSeconds(1));
        try (RedisMonitor monitor = new RedisMonitor(server.port())) {
            for (int i = 0; i < 50; i++) {
                limiter.observe(CONNECTION, quota(1000 - i), 200);
                limiter.flushKeapReports().await().atMost(WAIT);
            }
            assertEquals(List.of("evalsha"), commandsUntilNow(monitor), "50 responses, one write");

            clock.advance(Duration.ofSeconds(1));
            limiter.flushKeapReports().await().atMost(WAIT);
            assertEquals(List.of("evalsha"), commandsUntilNow(monitor), "the second's last report");
            limiter.flushKeapReports().await().atMost(WAIT);
            assertEquals(List.of(), commandsUntilNow(monitor), "nothing new, nothing written");
        }
        assertEquals(951L, limiter.lastReportedQuota(CONNECTION).orElseThrow().dailyAvailable());
    }

    @Test
    void keap429IsWrittenAtOnceAndOtherResponsesWriteNothing() throws IOException {
        limiter.observeAndShare("warm-up", MultiMap.caseInsensitiveMultiMap(), 429).await().atMost(WAIT);
        try (RedisMonitor monitor = new RedisMonitor(server.port())) {
            limiter.observeAndShare(CONNECTION, MultiMap.caseInsensitiveMultiMap(), 200).await().atMost(WAIT);
            assertEquals(List.of(), commandsUntilNow(monitor));
            limiter.observeAndShare(CONNECTION, MultiMap.caseInsensitiveMultiMap(), 429).await().atMost(WAIT);
            assertEquals(List.of("evalsha"), commandsUntilNow(monitor));
        }
    }

    private List<String> commandsUntilNow(RedisMonitor monitor) throws IOException {
        String marker = UUID.randomUUID().toString();
        client.dataSource().execute("ECHO", marker).await().atMost(WAIT);
        return monitor.clientCommandsUntilEcho(marker);
    }

    private Decision acquire() {
        return limiter.acquire(request()).await().atMost(WAIT);
    }

    private double localModeGauge() {
        return registry.find(LocalMode.GAUGE).gauge().value();
    }

    private static LimitRequest request() {
        return new LimitRequest("key1", CONNECTION, false, 1, 4, null, false);
    }

    private static MultiMap quota(long available) {
        return MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-limit", "150000")
                .add("x-keap-product-quota-available", Long.toString(available));
    }

    private static LimiterSettings settings(Duration redisTimeout) {
        return new LimiterSettings(PREFIX, 10, 20, OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(),
                redisTimeout, 1, Duration.ofSeconds(1)); // batches of one: every decision is Redis's
    }
}
