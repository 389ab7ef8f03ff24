package io.keapgateway.admin;

import io.keapgateway.auth.KeyRecord;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.ratelimit.RateLimiter;
import io.keapgateway.ratelimit.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** A key's usage today, as counted by the rate limiter. */
@ApplicationScoped
class KeyCounters {

    record Today(Long requests, Long denied) {
    }

    private final RateLimiter limiter;

    KeyCounters(RateLimiter limiter) {
        this.limiter = limiter;
    }

    Today today(KeyRecord key) {
        Usage usage = limiter.usage(key.connection(), key.id());
        return new Today(usage.requestsToday(), usage.deniedToday());
    }

    /** The key's own daily quota, if today's requests have used it up. */
    Optional<GatewayException> dailyQuotaDenial(KeyRecord key) {
        if (key.dailyQuota() == null || today(key).requests() < key.dailyQuota()) {
            return Optional.empty();
        }
        return Optional.of(new GatewayException(ErrorCode.QUOTA_EXHAUSTED,
                "This key has used its daily quota of " + key.dailyQuota() + " requests; it renews at 00:00 UTC."));
    }
}
