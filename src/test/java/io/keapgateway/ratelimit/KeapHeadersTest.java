package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeapHeadersTest {

    private static final Instant NOW = Instant.parse("2031-03-14T12:00:00Z");
    private static final Instant MIDNIGHT = Instant.parse("2031-03-15T00:00:00Z");

    @Test
    void readsProductQuotaThrottleAndTenantWindowsSeparatedByPipes() {
        KeapQuota quota = parse(MultiMap.caseInsensitiveMultiMap()
                .add("X-Keap-Product-Quota-Limit", "150000")
                .add("x-keap-product-quota-time-unit", "day")
                .add("x-keap-product-quota-interval", "1")
                .add("x-keap-product-quota-available", "149523")
                .add("x-keap-product-quota-used", "477")
                .add("x-keap-product-quota-expiry-time", Long.toString(MIDNIGHT.toEpochMilli()))
                .add("x-keap-product-throttle-limit", "1500")
                .add("x-keap-product-throttle-time-unit", "minute")
                .add("x-keap-product-throttle-interval", "1")
                .add("x-keap-product-throttle-available", "1499")
                .add("x-keap-product-throttle-used", "1")
                .add("x-keap-tenant-id", "ab123")
                .add("x-keap-tenant-throttle-limit", "10000|250000")
                .add("x-keap-tenant-throttle-time-unit", "minute|day")
                .add("x-keap-tenant-throttle-interval", "1|1")
                .add("x-keap-tenant-throttle-available", "9990|249000")
                .add("x-keap-tenant-throttle-used", "10|1000")
                .add("Content-Type", "application/json"));

        assertEquals(150_000L, quota.dailyLimit());
        assertEquals(149_523L, quota.dailyAvailable());
        assertEquals(477L, quota.dailyUsed());
        assertEquals(MIDNIGHT, quota.dailyExpiresAt());
        assertEquals(List.of(new KeapQuota.Window("minute", 1, 1500L, 1499L, 1L)), quota.throttle());
        assertEquals(List.of(
                        new KeapQuota.Window("minute", 1, 10_000L, 9990L, 10L),
                        new KeapQuota.Window("day", 1, 250_000L, 249_000L, 1000L)),
                quota.tenantThrottle());
        assertEquals("ab123", quota.tenantId());
        assertEquals(NOW, quota.observedAt());
    }

    @Test
    void keepsOnlyKeapHeadersWithNamesInLowerCase() {
        Map<String, String> raw = KeapHeaders.extract(MultiMap.caseInsensitiveMultiMap()
                .add("X-Keap-Tenant-Id", "ab123")
                .add("Authorization", "Bearer secret"));
        assertEquals(Map.of("x-keap-tenant-id", "ab123"), raw);
    }

    @Test
    void aResponseWithoutQuotaHeadersReportsNothing() {
        assertTrue(KeapHeaders.parse(KeapHeaders.extract(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-tenant-id", "ab123")), NOW).isEmpty());
    }

    @Test
    void skipsValuesItCannotRead() {
        KeapQuota quota = parse(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-limit", "lots")
                .add("x-keap-product-quota-available", "12")
                .add("x-keap-tenant-throttle-available", "|7")
                .add("x-keap-tenant-throttle-time-unit", " "));
        assertNull(quota.dailyLimit());
        assertEquals(12L, quota.dailyAvailable());
        assertEquals(List.of(new KeapQuota.Window(null, 1, null, null, null),
                new KeapQuota.Window(null, 1, null, 7L, null)), quota.tenantThrottle());
    }

    @Test
    void gateFollowsTheMostDepletedDayQuota() {
        KeapQuota quota = parse(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-limit", "150000")
                .add("x-keap-product-quota-available", "100000")
                .add("x-keap-tenant-throttle-time-unit", "minute|day")
                .add("x-keap-tenant-throttle-limit", "10000|250000")
                .add("x-keap-tenant-throttle-available", "1|20000"));
        KeapGate gate = KeapGate.of(quota).orElseThrow();
        assertEquals(new KeapGate(20_000, 250_000, MIDNIGHT.toEpochMilli()), gate, "the minute window is no gate");
        assertTrue(gate.denies(false, NOW.toEpochMilli()));
        assertTrue(!gate.denies(true, NOW.toEpochMilli()));
    }

    @Test
    void a429SaysHowLongKeapStaysClosedWhenAWindowIsAtZero() {
        Instant expiry = NOW.plus(Duration.ofHours(3));
        KeapQuota dayGone = parse(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-available", "0")
                .add("x-keap-product-quota-expiry-time", Long.toString(expiry.toEpochMilli()))
                .add("x-keap-product-throttle-time-unit", "minute")
                .add("x-keap-product-throttle-available", "0"));
        assertEquals(Duration.ofHours(3), KeapGate.exhaustedFor(dayGone, NOW).orElseThrow());

        KeapQuota minuteGone = parse(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-tenant-throttle-time-unit", "minute|day")
                .add("x-keap-tenant-throttle-interval", "1|1")
                .add("x-keap-tenant-throttle-available", "0|5000"));
        assertEquals(Duration.ofMinutes(1), KeapGate.exhaustedFor(minuteGone, NOW).orElseThrow());

        KeapQuota nothingAtZero = parse(MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-throttle-time-unit", "minute")
                .add("x-keap-product-throttle-available", "3"));
        assertTrue(KeapGate.exhaustedFor(nothingAtZero, NOW).isEmpty());
    }

    private static KeapQuota parse(MultiMap headers) {
        return KeapHeaders.parse(KeapHeaders.extract(headers), NOW).orElseThrow();
    }
}
