package io.keapgateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.ratelimit.KeapQuota;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keap's daily quota as reported in its headers: low below the threshold, exhausted at zero, over at the reset. */
class QuotaDetectorTest {

    private static final Instant NOW = Instant.parse("2026-12-07T15:00:00Z");
    private static final Instant RESET = Instant.parse("2026-12-08T00:00:00Z");

    @Test
    void aQuotaBelowTenPercentIsLowAndAtZeroAlsoExhausted() {
        assertThat(events(report(15_000, RESET))).isEmpty(); // exactly 10%: not below
        assertThat(events(report(14_999, RESET))).containsExactly(NotifyEvent.QUOTA_LOW);
        assertThat(events(report(0, RESET))).containsExactly(NotifyEvent.QUOTA_LOW, NotifyEvent.QUOTA_EXHAUSTED);
    }

    @Test
    void aReportFromBeforeTheResetNoLongerCounts() {
        assertThat(events(report(0, NOW))).isEmpty();
        assertThat(events(report(0, null))).containsExactly(NotifyEvent.QUOTA_LOW, NotifyEvent.QUOTA_EXHAUSTED);
        KeapQuota dayOld = new KeapQuota(150_000L, 0L, 150_000L, null, List.of(), List.of(), null,
                NOW.minus(Duration.ofDays(1)));
        assertThat(events(dayOld)).isEmpty();
    }

    @Test
    void aReportWithoutTheDailyNumbersSaysNothing() {
        assertThat(events(new KeapQuota(null, null, null, RESET, List.of(), List.of(), null, NOW))).isEmpty();
    }

    private static KeapQuota report(long available, Instant resetsAt) {
        return new KeapQuota(150_000L, available, 150_000L - available, resetsAt, List.of(), List.of(), "xy123",
                NOW.minusSeconds(5));
    }

    private static List<NotifyEvent> events(KeapQuota quota) {
        List<Finding> found = new ArrayList<>();
        QuotaDetector.judge("default", quota, NOW, 10, found);
        found.forEach(finding -> assertThat(finding.subject()).isEqualTo("default"));
        return found.stream().map(Finding::event).toList();
    }
}
