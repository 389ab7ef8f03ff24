package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.error.ErrorCode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The in-process limiter used while Redis is unreachable: the same rules as the script. */
class LocalLimiterTest {

    private static final long T0 = Instant.parse("2031-03-14T12:00:00Z").toEpochMilli();
    private static final long MIDNIGHT = Instant.parse("2031-03-15T00:00:00Z").toEpochMilli();

    private final LocalLimiter local = new LocalLimiter();

    @Test
    void eachReplicaTakesItsShareOfEveryLimit() {
        EffectiveLimits share = new EffectiveLimits(10, 20, 1000, 20, 20, 150_000, true).share(4);
        assertEquals(new EffectiveLimits(2.5, 5, 250, 5, 5, 37_500, true), share);
        assertEquals(new EffectiveLimits(0.2, 1, 1, 0.2, 1, 1, false),
                new EffectiveLimits(1, 1, 1, 1, 1, 1, false).share(5), "never below one request");
    }

    @Test
    void deniedRequestChargesNoBucket() {
        EffectiveLimits limits = new EffectiveLimits(1, 3, 0, 100, 2, 0, false);
        assertTrue(decide("a", limits, T0).allowed());
        assertTrue(decide("a", limits, T0).allowed());
        assertEquals("connection", decide("a", limits, T0).limit());
        assertTrue(decide("a", limits, T0 + 20).allowed(), "the key was not charged for the denial");
        assertEquals("key", decide("a", limits, T0 + 20).limit());
    }

    @Test
    void dailyCountsStartOverAtMidnightUtc() {
        EffectiveLimits limits = new EffectiveLimits(100, 100, 1, 100, 100, 0, false);
        assertTrue(decide("a", limits, MIDNIGHT - 1000).allowed());
        Verdict denied = decide("a", limits, MIDNIGHT - 1000);
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, denied.denial());
        assertEquals(1000, denied.retryMillis());
        assertTrue(decide("a", limits, MIDNIGHT).allowed());
        assertEquals(new Usage(1, 0), local.usage("default", "a", LocalLimiter.day(MIDNIGHT)));
    }

    @Test
    void keapsLastReportStillHoldsBackNormalPriorityKeys() {
        KeapGate gate = new KeapGate(5, 1000, T0 + 60_000);
        Verdict normal = local.decide("default", "a", new EffectiveLimits(10, 10, 0, 10, 10, 0, false), T0, gate);
        assertFalse(normal.allowed());
        assertEquals("keap", normal.limit());
        assertEquals(60_000, normal.retryMillis());
        assertTrue(local.decide("default", "b", new EffectiveLimits(10, 10, 0, 10, 10, 0, true), T0, gate).allowed());
    }

    @Test
    void startsFromItsShareOfTheDaysCountsRedisLastAnsweredForTheSameDayOnly() {
        long today = LocalLimiter.day(T0);
        local.remember("default", "a", today, 8, 8); // all replicas had counted 8 of the key's 10 today
        local.remember("default", "b", today - 1, 9, 9); // yesterday's count: no longer limits anything
        EffectiveLimits share = new EffectiveLimits(100, 100, 10, 100, 100, 0, false).share(2); // 5 each

        assertTrue(local.decide("default", "a", share, T0, null, 2).allowed(), "5 - 8/2 = 1 left here");
        Verdict denied = local.decide("default", "a", share, T0, null, 2);
        assertFalse(denied.allowed());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, denied.denial());
        EffectiveLimits keyB = new EffectiveLimits(100, 100, 10, 100, 100, 0, false).share(2);
        for (int i = 0; i < 5; i++) {
            assertTrue(local.decide("default", "b", keyB, T0, null, 2).allowed(), "request " + i);
        }
        assertTrue(local.decide("default", "a", share, MIDNIGHT, null, 2).allowed(), "a new day starts from zero");
    }

    @Test
    void theConnectionsDailyCountStartsFromWhatRedisLastAnsweredToo() {
        local.remember("default", "a", LocalLimiter.day(T0), 1, 29_999); // any key of the connection
        EffectiveLimits limits = new EffectiveLimits(100, 100, 0, 100, 100, 30_000, false);

        assertTrue(local.decide("default", "other", limits, T0, null, 1).allowed());
        Verdict denied = local.decide("default", "other", limits, T0, null, 1);
        assertEquals("connection_daily", denied.limit());
        assertEquals(ErrorCode.QUOTA_EXHAUSTED, denied.denial());
    }

    private Verdict decide(String keyId, EffectiveLimits limits, long now) {
        return local.decide("default", keyId, limits, now, null);
    }
}
