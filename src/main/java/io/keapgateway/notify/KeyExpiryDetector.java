package io.keapgateway.notify;

import io.keapgateway.auth.KeyRecord;
import io.keapgateway.auth.KeyService;
import io.keapgateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Keys not revoked that expire within {@code key-expiry-warning} (7 days by default). */
@ApplicationScoped
class KeyExpiryDetector implements Detector {

    private final KeyService keys;
    private final Duration warning;

    KeyExpiryDetector(KeyService keys, GatewayConfig config) {
        this.keys = keys;
        this.warning = config.notifications().keyExpiryWarning();
    }

    @Override
    public Set<NotifyEvent> events() {
        return Set.of(NotifyEvent.KEY_EXPIRING);
    }

    @Override
    public List<Finding> findings(Instant now) {
        List<Finding> found = new ArrayList<>();
        for (KeyRecord key : keys.list()) {
            Instant expiresAt = key.expiresAt();
            if (key.revokedAt() == null && expiresAt != null && now.isBefore(expiresAt)
                    && !expiresAt.isAfter(now.plus(warning))) {
                found.add(new Finding(NotifyEvent.KEY_EXPIRING, key.id(),
                        Texts.keyExpiring(key.id(), key.name() == null ? key.id() : key.name(), expiresAt)));
            }
        }
        return found;
    }
}
