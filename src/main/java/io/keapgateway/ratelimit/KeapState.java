package io.keapgateway.ratelimit;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What this replica knows about one connection's standing with Keap. Responses update it concurrently. */
final class KeapState {

    /**
     * One response's report.
     *
     * @param raw its {@code x-keap-*} headers, as written to Redis
     * @param quota what they mean
     */
    record KeapReport(Map<String, String> raw, KeapQuota quota) {
    }

    private volatile KeapReport latest;
    private volatile boolean dirty;
    private long writtenAt = Long.MIN_VALUE / 2; // ms; guarded by this
    private final AtomicInteger throttled = new AtomicInteger(); // 429s in a row
    private final AtomicLong blockedUntil = new AtomicLong(); // epoch ms, this replica's clock

    void report(KeapReport report) {
        latest = report;
        dirty = true;
    }

    KeapReport latest() {
        return latest;
    }

    void markDirty() {
        dirty = true;
    }

    /** The report to write now, if it changed and the last write is at least {@code interval} ms old. */
    synchronized KeapReport takeIfDue(long now, long interval) {
        if (!dirty || now - writtenAt < interval) {
            return null;
        }
        dirty = false;
        writtenAt = now;
        return latest;
    }

    /** Counts a 429; returns how many came in a row. */
    int throttled() {
        return throttled.incrementAndGet();
    }

    /** Any other answer ends the run of 429s. */
    void calm() {
        if (throttled.get() != 0) { // reading first keeps the common case free of writes to a shared line
            throttled.set(0);
        }
    }

    void blockUntil(long epochMillis) {
        blockedUntil.accumulateAndGet(epochMillis, Math::max);
    }

    long blockedUntil() {
        return blockedUntil.get();
    }
}
