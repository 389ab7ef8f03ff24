package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.ratelimit.KeapQuota;
import io.keapgateway.ratelimit.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Keap's daily quota of each connection, as Keap last reported it to any replica: low (below
 * {@code quota-low-percent}, exhausted included) and exhausted. A report from before the quota's reset time
 * (or older than a day, when Keap sent none) no longer counts: the day's quota is back.
 */
@ApplicationScoped
class QuotaDetector implements Detector {

    private final ConnectionRegistry connections;
    private final RateLimiter limiter;
    private final int lowPercent;

    QuotaDetector(ConnectionRegistry connections, RateLimiter limiter, GatewayConfig config) {
        this.connections = connections;
        this.limiter = limiter;
        this.lowPercent = config.notifications().quotaLowPercent();
    }

    @Override
    public Set<NotifyEvent> events() {
        return Set.of(NotifyEvent.QUOTA_LOW, NotifyEvent.QUOTA_EXHAUSTED);
    }

    @Override
    public List<Finding> findings(Instant now) {
        List<Finding> found = new ArrayList<>();
        for (Connection connection : connections.all()) {
            limiter.lastReportedQuota(connection.name())
                    .ifPresent(quota -> judge(connection.name(), quota, now, lowPercent, found));
        }
        return found;
    }

    /** Adds what Keap's report {@code quota} of {@code connection} shows to {@code found}. */
    static void judge(String connection, KeapQuota quota, Instant now, int lowPercent, List<Finding> found) {
        Long limit = quota.dailyLimit();
        Long available = quota.dailyAvailable();
        if (limit == null || available == null || limit <= 0 || !current(quota, now)) {
            return;
        }
        if (available * 100 < limit * lowPercent) {
            found.add(new Finding(NotifyEvent.QUOTA_LOW, connection,
                    Texts.quotaLow(connection, available, limit, quota.dailyExpiresAt(), lowPercent)));
        }
        if (available <= 0) {
            found.add(new Finding(NotifyEvent.QUOTA_EXHAUSTED, connection,
                    Texts.quotaExhausted(connection, limit, quota.dailyExpiresAt())));
        }
    }

    private static boolean current(KeapQuota quota, Instant now) {
        if (quota.dailyExpiresAt() != null) {
            return now.isBefore(quota.dailyExpiresAt());
        }
        return quota.observedAt() != null && now.isBefore(quota.observedAt().plus(Duration.ofDays(1)));
    }
}
