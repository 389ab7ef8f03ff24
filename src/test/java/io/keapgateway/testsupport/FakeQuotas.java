package io.keapgateway.testsupport;

import com.sun.net.httpserver.Headers;
import io.keapgateway.testsupport.FakeCredentials.Kind;
import io.keapgateway.testsupport.FakeCredentials.Principal;
import java.util.HashMap;
import java.util.Map;

/**
 * Keap's quota and throttle bookkeeping (KEAP-API-FACTS §4, §6): a daily and a per-minute bucket per
 * product credential (OAuth client id: 150,000/day and 1,500/min; PAT/SAK key: 30,000/day and 240/min),
 * plus the tenant's 10,000/min and 250,000/day shared by every credential. Each served API call takes
 * one unit from all four; an empty bucket answers 429 QuotaViolation, as Apigee does. Windows are fixed
 * (UTC minute, UTC day) rather than Keap's rolling minute, which is close enough for tests and
 * predictable. The unmetered SpikeArrest is only simulated on demand ({@link #rejectNext(int)}).
 */
final class FakeQuotas {

    static final long OAUTH_PER_DAY = 150_000;
    static final long OAUTH_PER_MINUTE = 1_500;
    static final long KEY_PER_DAY = 30_000;
    static final long KEY_PER_MINUTE = 240;
    static final long TENANT_PER_DAY = 250_000;
    static final long TENANT_PER_MINUTE = 10_000;

    private static final long MINUTE_MILLIS = 60_000;
    private static final long DAY_MILLIS = 86_400_000;

    static final String SPIKE_ARREST = "policies.ratelimit.SpikeArrestViolation";
    static final String SPIKE_ARREST_MESSAGE = "Spike arrest violation. Allowed rate : "
            + "MessageRate{messagesPerPeriod=25, periodInMicroseconds=1000000, maxBurstMessageCount=25.0}";
    static final String QUOTA_VIOLATION = "policies.ratelimit.QuotaViolation";

    /** Requests without a usable credential are reported against this (never charged) bucket. */
    private static final Principal ANONYMOUS = new Principal(Kind.OAUTH, "");

    /** A fixed window that starts over whenever the clock enters a new period. */
    private static final class Window {
        final long limit;
        final long periodMillis;
        long period = Long.MIN_VALUE;
        long used;

        Window(long limit, long periodMillis) {
            this.limit = limit;
            this.periodMillis = periodMillis;
        }

        Window roll(long nowMillis) {
            long current = Math.floorDiv(nowMillis, periodMillis);
            if (current != period) {
                period = current;
                used = 0;
            }
            return this;
        }

        long available() {
            return Math.max(0, limit - used);
        }
    }

    private record Bucket(Window day, Window minute) {
        static Bucket of(long perDay, long perMinute) {
            return new Bucket(new Window(perDay, DAY_MILLIS), new Window(perMinute, MINUTE_MILLIS));
        }

        Bucket roll(long nowMillis) {
            day.roll(nowMillis);
            minute.roll(nowMillis);
            return this;
        }

        boolean empty() {
            return day.available() == 0 || minute.available() == 0;
        }

        void take() {
            day.used++;
            minute.used++;
        }
    }

    private final Map<Principal, Bucket> products = new HashMap<>();
    private Bucket tenant = Bucket.of(TENANT_PER_DAY, TENANT_PER_MINUTE);
    /** Set by {@link #setDailyAvailable(long)}; also applies to product buckets created later today. */
    private Long dailyAvailableOverride;
    private boolean exhausted;
    private int spikeRejections;

    synchronized void rejectNext(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        spikeRejections = count;
    }

    /** Consumes one pending SpikeArrest rejection, if any. */
    synchronized boolean takeSpikeRejection() {
        if (spikeRejections == 0) {
            return false;
        }
        spikeRejections--;
        return true;
    }

    synchronized void setExhausted(boolean exhausted) {
        this.exhausted = exhausted;
    }

    /** Sets today's available count of every product bucket (clamped to the limit); used becomes the rest. */
    synchronized void setDailyAvailable(long available) {
        if (available < 0) {
            throw new IllegalArgumentException("available must not be negative: " + available);
        }
        dailyAvailableOverride = available;
        long now = System.currentTimeMillis();
        products.values().forEach(bucket -> applyOverride(bucket.day().roll(now)));
    }

    /**
     * Charges one call to the principal and the tenant.
     *
     * @return {@code null} when admitted, else the faultstring of a QuotaViolation
     */
    synchronized String admit(Principal principal, String tenantId) {
        long now = System.currentTimeMillis();
        Bucket product = bucket(principal, now);
        tenant.roll(now);
        if (exhausted || product.empty() || tenant.empty()) {
            // OAuth quotas are counted per client id (§6), so Apigee names that; a key is named by its tenant.
            String identifier = principal.kind() == Kind.OAUTH ? principal.id() : tenantId;
            return "Rate limit quota violation. Quota limit exceeded. Identifier : " + identifier;
        }
        product.take();
        tenant.take();
        return null;
    }

    /** Writes the {@code x-keap-*} headers as they stand now (nothing is charged). */
    synchronized void writeHeaders(Headers headers, Principal principal, String tenantId) {
        long now = System.currentTimeMillis();
        Bucket product = bucket(principal == null ? ANONYMOUS : principal, now);
        tenant.roll(now);
        long dayAvailable = exhausted ? 0 : product.day().available();
        long dayUsed = exhausted ? product.day().limit : product.day().used;

        // The JDK server sends these as "X-keap-…" (it capitalises the first letter); names are case-insensitive.
        headers.set("x-keap-product-quota-limit", Long.toString(product.day().limit));
        headers.set("x-keap-product-quota-time-unit", "day");
        headers.set("x-keap-product-quota-interval", "1");
        headers.set("x-keap-product-quota-available", Long.toString(dayAvailable));
        headers.set("x-keap-product-quota-used", Long.toString(dayUsed));
        long nextUtcMidnight = (Math.floorDiv(now, DAY_MILLIS) + 1) * DAY_MILLIS;
        headers.set("x-keap-product-quota-expiry-time", Long.toString(nextUtcMidnight));
        headers.set("x-keap-product-throttle-limit", Long.toString(product.minute().limit));
        headers.set("x-keap-product-throttle-time-unit", "minute");
        headers.set("x-keap-product-throttle-interval", "1");
        headers.set("x-keap-product-throttle-available", Long.toString(product.minute().available()));
        headers.set("x-keap-product-throttle-used", Long.toString(product.minute().used));
        headers.set("x-keap-tenant-id", tenantId);
        // Since 2026-06-08 the tenant family carries two pipe-separated windows, minute first (§4).
        headers.set("x-keap-tenant-throttle-limit", tenant.minute().limit + "|" + tenant.day().limit);
        headers.set("x-keap-tenant-throttle-time-unit", "minute|day");
        headers.set("x-keap-tenant-throttle-interval", "1|1");
        headers.set("x-keap-tenant-throttle-available", tenant.minute().available() + "|" + tenant.day().available());
        headers.set("x-keap-tenant-throttle-used", tenant.minute().used + "|" + tenant.day().used);
    }

    /** Back to fresh buckets and no pending knobs. */
    synchronized void reset() {
        products.clear();
        tenant = Bucket.of(TENANT_PER_DAY, TENANT_PER_MINUTE);
        dailyAvailableOverride = null;
        exhausted = false;
        spikeRejections = 0;
    }

    private Bucket bucket(Principal principal, long now) {
        Bucket bucket = products.get(principal);
        if (bucket == null) {
            bucket = principal.kind() == Kind.OAUTH
                    ? Bucket.of(OAUTH_PER_DAY, OAUTH_PER_MINUTE)
                    : Bucket.of(KEY_PER_DAY, KEY_PER_MINUTE);
            products.put(principal, bucket);
            applyOverride(bucket.day().roll(now));
        }
        return bucket.roll(now);
    }

    private void applyOverride(Window day) {
        if (dailyAvailableOverride != null) {
            day.used = day.limit - Math.min(dailyAvailableOverride, day.limit);
        }
    }
}
