package io.keapgateway.notify;

import java.util.Locale;

/**
 * The catalogue of what the gateway tells its owner about. A condition ({@link Reach#SHARED}) is sent once
 * per occurrence across all replicas and once more when it clears; {@link Reach#REPLICA} is a condition
 * each replica sends for itself (Redis, which would deduplicate it, is what is lost); {@link Reach#ONCE} is
 * a single event, sent by the replica where it happened.
 */
public enum NotifyEvent {
    GRANT_NEEDS_REAUTH(Reach.SHARED),
    REFRESH_FAILING(Reach.SHARED),
    QUOTA_LOW(Reach.SHARED),
    QUOTA_EXHAUSTED(Reach.SHARED),
    CIRCUIT_OPEN(Reach.SHARED),
    REDIS_UNREACHABLE(Reach.REPLICA),
    KEY_EXPIRING(Reach.SHARED),
    KEY_REVOKED(Reach.ONCE),
    KEY_ROTATED(Reach.ONCE),
    TEST(Reach.ONCE);

    /** Who decides that an occurrence is sent. */
    enum Reach {
        SHARED, REPLICA, ONCE
    }

    private final Reach reach;

    NotifyEvent(Reach reach) {
        this.reach = reach;
    }

    Reach reach() {
        return reach;
    }

    /** The name in payloads, e.g. {@code grant_needs_reauth}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static NotifyEvent ofWireName(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
