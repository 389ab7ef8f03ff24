package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.error.ErrorCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.MultiMap;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code limiter.lua} alone, on the real Redis, at fixed times. */
@QuarkusTest
@TestProfile(RedisTestProfile.class)
class LimiterScriptTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long T0 = Instant.parse("2031-03-14T12:00:00Z").toEpochMilli();
    private static final long LAST_SECOND = Instant.parse("2031-03-14T23:59:59Z").toEpochMilli();
    private static final long MIDNIGHT = Instant.parse("2031-03-15T00:00:00Z").toEpochMilli();
    private static final String CONNECTION = "default";

    @Inject
    ReactiveRedisDataSource redis;

    private String prefix;
    private LimitKeys keys;
    private LimiterScript script;

    @BeforeEach
    void newPrefix() {
        prefix = RedisTestProfile.PREFIX + "script:" + UUID.randomUUID() + ":";
        keys = new LimitKeys(prefix);
        script = new LimiterScript(redis, keys);
    }

    @AfterEach
    void removeKeys() {
        RedisKeys.deleteAll(redis, prefix);
    }

    @Test
    void burstPassesThenTheNextRequestWaitsOneInterval() {
        EffectiveLimits limits = keyLimits(2, 3);
        for (long left = 2; left >= 0; left--) {
            Verdict verdict = decide("a", limits, T0);
            assertTrue(verdict.allowed());
            assertEquals(left, verdict.remaining());
        }
        Verdict denied = decide("a", limits, T0);
        assertFalse(denied.allowed());
        assertEquals("key", denied.limit());
        assertEquals(ErrorCode.RATE_LIMITED, denied.denial());
        assertEquals(500, denied.retryMillis()); // one interval at 2 per second
    }

    @Test
    void everyKeyTheScriptWritesStartsWithThePrefix() {
        decide("a", keyLimits(2, 3), T0);
        String run = prefix.substring(RedisTestProfile.PREFIX.length()); // "script:<uuid>:", found wherever it sits
        List<String> written = new ArrayList<>();
        String cursor = "0";
        do {
            Response page = redis.execute("SCAN", cursor, "MATCH", "*" + run + "*", "COUNT", "1000").await().atMost(WAIT);
            cursor = page.get(0).toString();
            page.get(1).forEach(key -> written.add(key.toString()));
        } while (!cursor.equals("0"));
        assertFalse(written.isEmpty());
        // A Redis ACL on the prefix (e.g. ~kgw:*) must cover the limiter too.
        written.forEach(key -> assertTrue(key.startsWith(prefix), key));
    }

    @Test
    void bucketRefillsAtItsRate() {
        EffectiveLimits limits = keyLimits(2, 3);
        for (int i = 0; i < 3; i++) {
            decide("a", limits, T0);
        }
        assertEquals(1, decide("a", limits, T0 + 499).retryMillis());
        assertTrue(decide("a", limits, T0 + 500).allowed());
        assertFalse(decide("a", limits, T0 + 500).allowed());
    }

    @Test
    void deniedRequestChargesNoBucket() {
        // key: 1/s, burst 3; connection: 100/s, burst 2
        EffectiveLimits limits = new EffectiveLimits(1, 3, 0, 100, 2, 0, false);
        assertTrue(decide("a", limits, T0).allowed());
        assertTrue(decide("a", limits, T0).allowed());
        Verdict byConnection = decide("a", limits, T0);
        assertEquals("connection", byConnection.limit());
        assertFalse(byConnection.allowed());
        // 20 ms later the connection has room again; the key still has its third request only if the
        // request the connection denied was not charged to it
        assertTrue(decide("a", limits, T0 + 20).allowed());
        assertEquals("key", decide("a", limits, T0 + 20).limit());
    }

    @Test
    void requestDeniedByItsKeyChargesNoConnectionBudget() {
        // key: burst 1; connection: burst 2 and 2 per day
        EffectiveLimits limits = new EffectiveLimits(1, 1, 0, 1, 2, 2, false);
        assertTrue(decide("a", limits, T0).allowed());
        Verdict byKey = decide("a", limits, T0);
        assertFalse(byKey.allowed());
        assertEquals("key", byKey.limit());
        assertTrue(decide("b", limits, T0).allowed(), "the denied request took none of the connection's budget");
        Verdict third = decide("c", limits, T0);
        assertFalse(third.allowed());
        // the bucket would pass in 1 s, the day's budget only at midnight: the longer wait is the answer
        assertEquals("connection_daily", third.limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, third.denial());
        assertEquals(12 * 3_600_000, third.retryMillis());
    }

    @Test
    void keyDailyQuotaResetsAtMidnightUtc() {
        EffectiveLimits limits = new EffectiveLimits(100, 100, 2, 100, 100, 0, false);
        assertTrue(decide("a", limits, LAST_SECOND).allowed());
        assertTrue(decide("a", limits, LAST_SECOND).allowed());
        Verdict denied = decide("a", limits, LAST_SECOND);
        assertEquals("key_daily", denied.limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, denied.denial());
        assertEquals(1000, denied.retryMillis());

        Verdict nextDay = decide("a", limits, MIDNIGHT);
        assertTrue(nextDay.allowed());
        assertEquals("\"key_daily\";q=2;w=86400", nextDay.toDecision().policyHeader());
        assertEquals("\"key_daily\";r=1;t=86400", nextDay.toDecision().rateLimitHeader());
    }

    @Test
    void connectionDailyBudgetIsSharedByAllKeys() {
        EffectiveLimits limits = new EffectiveLimits(100, 100, 0, 100, 100, 3, false);
        assertTrue(decide("a", limits, T0).allowed());
        assertTrue(decide("b", limits, T0).allowed());
        assertTrue(decide("c", limits, T0).allowed());
        Verdict fourth = decide("d", limits, T0);
        assertEquals("connection_daily", fourth.limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, fourth.denial());
    }

    @Test
    void blockedConnectionIsDeniedForTheTimeLeft() {
        observer(T0).shareBlock(CONNECTION, Duration.ofSeconds(10), T0).await().atMost(WAIT);
        EffectiveLimits limits = keyLimits(1, 1);
        Verdict blocked = decide("a", limits, T0 + 300);
        assertFalse(blocked.allowed());
        assertEquals("keap", blocked.limit());
        assertEquals(ErrorCode.RATE_LIMITED, blocked.denial());
        assertEquals(9700, blocked.retryMillis());
        assertTrue(decide("a", limits, T0 + 10_000).allowed(), "the blocked request cost the key nothing");
    }

    @Test
    void aShorterBlockNeverShortensALongerOne() {
        KeapObserver observer = observer(T0);
        observer.shareBlock(CONNECTION, Duration.ofSeconds(20), T0).await().atMost(WAIT);
        observer.shareBlock(CONNECTION, Duration.ofSeconds(10), T0).await().atMost(WAIT);
        assertEquals(18_000, decide("a", keyLimits(1, 1), T0 + 2000).retryMillis());
    }

    @Test
    void belowTenPercentOfKeapsDayQuotaOnlyHighPriorityKeysPass() {
        long expiry = T0 + 3_600_000;
        report(T0, MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-limit", "1000")
                .add("x-keap-product-quota-available", "99")
                .add("x-keap-product-quota-expiry-time", Long.toString(expiry)));
        Verdict normal = decide("a", limits(false), T0 + 1000);
        assertFalse(normal.allowed());
        assertEquals("keap", normal.limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, normal.denial());
        assertEquals(expiry - T0 - 1000, normal.retryMillis());
        assertTrue(decide("b", limits(true), T0 + 1000).allowed());
        assertTrue(decide("a", limits(false), expiry).allowed(), "Keap's day is over: its report no longer holds");
    }

    @Test
    void keapQuotaAtZeroStopsEvenHighPriorityKeys() {
        report(T0, MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-limit", "1000")
                .add("x-keap-product-quota-available", "0"));
        Verdict high = decide("a", limits(true), T0 + 1000);
        assertFalse(high.allowed());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, high.denial());
        assertEquals(12 * 3_600_000 - 1000, high.retryMillis(), "without an expiry time, Keap resets at midnight");
    }

    @Test
    void lowTenantDayWindowGatesLikeTheProductQuota() {
        report(T0, MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-tenant-throttle-time-unit", "minute|day")
                .add("x-keap-tenant-throttle-interval", "1|1")
                .add("x-keap-tenant-throttle-limit", "10000|250000")
                .add("x-keap-tenant-throttle-available", "9000|20000"));
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, decide("a", limits(false), T0 + 1000).denial());
        assertTrue(decide("a", limits(true), T0 + 1000).allowed());
    }

    @Test
    void usageCountsAllowedAndDeniedRequestsOfTheUtcDay() {
        EffectiveLimits limits = keyLimits(1, 2);
        for (int i = 0; i < 3; i++) {
            decide("a", limits, T0);
        }
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        RateLimiter limiter = limiter(clock);
        assertEquals(new Usage(2, 1), limiter.usage(CONNECTION, "a"));
        assertEquals(new Usage(0, 0), limiter.usage(CONNECTION, "b"));

        clock.advance(Duration.ofHours(12));
        assertEquals(new Usage(0, 0), limiter.usage(CONNECTION, "a"), "yesterday's counts are not today's");
        decide("a", limits, MIDNIGHT);
        assertEquals(new Usage(1, 0), limiter.usage(CONNECTION, "a"));
    }

    @Test
    void countersExpireByTheEndOfTheirDay() {
        decide("a", keyLimits(1, 2), T0);
        long ttl = RedisKeys.pttl(redis, keys.key(CONNECTION, "a"));
        assertTrue(ttl > 11 * 3_600_000 && ttl <= 12 * 3_600_000, "ttl " + ttl);
        assertTrue(RedisKeys.pttl(redis, keys.connection(CONNECTION)) > 0);
    }

    @Test
    void reportsTheLimitWithFewestRequestsLeft() {
        Decision decision = decide("a", new EffectiveLimits(10, 20, 0, 5, 5, 0, false), T0).toDecision();
        assertTrue(decision.allowed());
        assertEquals("\"connection\";q=5;w=1", decision.policyHeader());
        assertEquals("\"connection\";r=4;t=1", decision.rateLimitHeader());
    }

    @Test
    void runsOnRedisClockWhenNoTimeIsGiven() {
        Verdict verdict = script.decide(CONNECTION, "a", keyLimits(1, 1), null).await().atMost(WAIT);
        assertTrue(verdict.allowed());
        assertFalse(script.decide(CONNECTION, "a", keyLimits(1, 1), null).await().atMost(WAIT).allowed());
    }

    @Test
    void aBatchIsGrantedAsFarAsEveryLimitAllowsAndCountsAsThatManyRequests() {
        Reservation reserved = script.reserve(CONNECTION, "a", keyLimits(2, 3), 5, T0).await().atMost(WAIT);
        assertEquals(3, reserved.granted(), "the burst of 3 bounds the batch of 5");
        assertTrue(reserved.verdict().allowed());
        assertEquals(0, reserved.verdict().remaining());
        assertEquals(500, reserved.stepMillis());
        assertEquals(2, reserved.forRequest(1).remaining(), "the first request of the batch leaves two");
        assertEquals(1000, reserved.forRequest(2).resetMillis(), "the second leaves two intervals until full");
        assertFalse(decide("a", keyLimits(2, 3), T0).allowed());

        EffectiveLimits daily = new EffectiveLimits(100, 100, 2, 1000, 1000, 0, false);
        Reservation quota = script.reserve(CONNECTION, "b", daily, 16, T0).await().atMost(WAIT);
        assertEquals(2, quota.granted(), "a daily quota of 2 bounds the batch");
        assertEquals("key_daily", quota.verdict().limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, decide("b", daily, T0).denial());
    }

    @Test
    void aDeniedReservationGrantsNothing() {
        script.reserve(CONNECTION, "a", keyLimits(1, 1), 1, T0).await().atMost(WAIT);
        Reservation denied = script.reserve(CONNECTION, "a", keyLimits(1, 1), 8, T0).await().atMost(WAIT);
        assertFalse(denied.verdict().allowed());
        assertEquals(0, denied.granted());
    }

    @Test
    void settlingHandsBackWhatABatchDidNotSpendAndCountsTheDenialsMadeElsewhere() {
        EffectiveLimits limits = keyLimits(2, 3);
        Reservation reserved = script.reserve(CONNECTION, "a", limits, 3, null).await().atMost(WAIT); // Redis clock
        assertEquals(3, reserved.granted());
        assertFalse(script.decide(CONNECTION, "a", limits, null).await().atMost(WAIT).allowed());

        script.settle(CONNECTION, "a", limits, 2, 4, reserved.day()).await().atMost(WAIT);
        assertTrue(script.decide(CONNECTION, "a", limits, null).await().atMost(WAIT).allowed(),
                "the two handed back can be asked for again");
        var counts = redis.hash(String.class).hgetall(keys.key(CONNECTION, "a")).await().atMost(WAIT);
        assertEquals("2", counts.get("requests"), "3 reserved - 2 handed back + 1");
        assertEquals(Long.toString(1 + 4), counts.get("denied"), "the script's denial and the 4 settled");
        var pace = redis.hash(String.class).hgetall(keys.connection(CONNECTION)).await().atMost(WAIT);
        assertEquals("2", pace.get("used"), "the connection's count went back too");
    }

    @Test
    void aBatchCountedYesterdayIsNotTakenFromToday() {
        EffectiveLimits limits = keyLimits(2, 3);
        Reservation reserved = script.reserve(CONNECTION, "a", limits, 1, null).await().atMost(WAIT);
        script.settle(CONNECTION, "a", limits, 1, 0, reserved.day() - 1).await().atMost(WAIT);
        assertEquals("1", redis.hash(String.class).hget(keys.key(CONNECTION, "a"), "requests").await().atMost(WAIT));
    }

    private Verdict decide(String keyId, EffectiveLimits limits, long now) {
        return script.decide(CONNECTION, keyId, limits, now).await().atMost(WAIT);
    }

    private void report(long at, MultiMap headers) {
        KeapObserver observer = observer(at);
        observer.observe(CONNECTION, headers, 200).await().atMost(WAIT);
        observer.flush().await().atMost(WAIT);
    }

    private KeapObserver observer(long at) {
        return new KeapObserver(redis, keys, new MutableClock(Instant.ofEpochMilli(at)), new Backoff(() -> 0));
    }

    private RateLimiter limiter(MutableClock clock) {
        LimiterSettings settings = new LimiterSettings(prefix, 10, 20, OptionalInt.empty(), OptionalInt.empty(),
                OptionalLong.empty(), LimiterSettings.REDIS_TIMEOUT, 1, java.time.Duration.ofSeconds(1));
        return new RateLimiter(redis, settings, clock, new SimpleMeterRegistry());
    }

    /** A key limit with a connection too generous to matter. */
    private static EffectiveLimits keyLimits(double rate, long burst) {
        return new EffectiveLimits(rate, burst, 0, 1000, 1000, 0, false);
    }

    private static EffectiveLimits limits(boolean highPriority) {
        return new EffectiveLimits(100, 100, 0, 100, 100, 0, highPriority);
    }
}
