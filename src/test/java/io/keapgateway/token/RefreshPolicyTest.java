package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a grant is due for a refresh, and when its access token must no longer be sent. */
class RefreshPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private final RefreshPolicy policy = new RefreshPolicy(Duration.ofMinutes(15), Duration.ofDays(20));

    @Test
    void aFreshTokenIsNeitherDueNorExpired() {
        Grant grant = grant(NOW.plus(Duration.ofHours(23)), NOW.minus(Duration.ofHours(1)));
        assertFalse(policy.due(grant, NOW));
        assertFalse(policy.expired(grant, NOW));
    }

    @Test
    void aTokenInTheRefreshMarginIsDueButStillUsable() {
        Grant grant = grant(NOW.plus(Duration.ofMinutes(10)), NOW.minus(Duration.ofHours(23)));
        assertTrue(policy.due(grant, NOW));
        assertFalse(policy.expired(grant, NOW));
    }

    @Test
    void aTokenCountsAsExpiredShortlyBeforeKeapsExpiry() {
        Grant grant = grant(NOW.plus(RefreshPolicy.EXPIRY_SKEW).minusSeconds(1), NOW.minus(Duration.ofHours(24)));
        assertTrue(policy.expired(grant, NOW));
        assertTrue(policy.due(grant, NOW));
    }

    @Test
    void anOldGrantIsDueEvenWithAFreshAccessToken() {
        Grant grant = grant(NOW.plus(Duration.ofHours(23)), NOW.minus(Duration.ofDays(20)));
        assertTrue(policy.due(grant, NOW));
        assertFalse(policy.expired(grant, NOW));
    }

    private static Grant grant(Instant expiresAt, Instant refreshedAt) {
        return new Grant(1, GrantState.connected, "access", "refresh", expiresAt, refreshedAt, "xy123.infusionsoft.com", null);
    }
}
