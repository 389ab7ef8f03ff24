package io.keapgateway.admin;

import io.keapgateway.auth.KeyRecord;
import io.keapgateway.error.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** A key's usage today, as counted by the rate limiter. */
@ApplicationScoped
class KeyCounters {

    record Today(Long requests, Long denied) {
    }

    Today today(KeyRecord key) {
        return new Today(null, null);
    }

    Optional<GatewayException> dailyQuotaDenial(KeyRecord key) {
        return Optional.empty();
    }
}
