package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a grant is due for a refresh, and when its access token must no longer be sent. */
class RefreshPolicyTest {

    /** The default expiry skew (keap-gateway.oauth.expiry-skew). */
    static final Duration SKEW = Duration.ofSeconds(30);
    private static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private final RefreshPolicy policy = new RefreshPolicy(SKEW, Duration.ofMinutes(15), MIN_INTERVAL, Duration.ofDays(20));

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
        Grant grant = grant(NOW.plus(SKEW).minusSeconds(1), NOW.minus(Duration.ofHours(24)));
        assertTrue(policy.expired(grant, NOW));
        assertTrue(policy.due(grant, NOW));
    }

    @Test
    void anOldGrantIsDueEvenWithAFreshAccessToken() {
        Grant grant = grant(NOW.plus(Duration.ofHours(23)), NOW.minus(Duration.ofDays(20)));
        assertTrue(policy.due(grant, NOW));
        assertFalse(policy.expired(grant, NOW));
    }

    /** Issue 23: a 30 s lifetime was expired (and due) the moment it was issued, so every request refreshed. */
    @Test
    void aThirtySecondTokenIsUsedForHalfItsLifeThenRefreshed() {
        Grant grant = grant(NOW.plusSeconds(30), NOW);
        assertFalse(policy.expired(grant, NOW));
        assertFalse(policy.due(grant, NOW.plusSeconds(14)));
        assertTrue(policy.due(grant, NOW.plusSeconds(15)), "half the lifetime is the margin");
        assertFalse(policy.expired(grant, NOW.plusSeconds(22)));
        assertTrue(policy.expired(grant, NOW.plusMillis(22_500)), "a quarter of the lifetime is the skew");
    }

    @Test
    void aDayLongTokenKeepsTheConfiguredMargins() {
        Grant grant = grant(NOW.plus(Duration.ofHours(24)), NOW);
        Instant margin = NOW.plus(Duration.ofHours(24)).minus(Duration.ofMinutes(15));
        assertFalse(policy.due(grant, margin.minusSeconds(1)));
        assertTrue(policy.due(grant, margin));
        assertFalse(policy.expired(grant, NOW.plus(Duration.ofHours(24)).minus(SKEW).minusSeconds(1)));
        assertTrue(policy.expired(grant, NOW.plus(Duration.ofHours(24)).minus(SKEW)));
    }

    /** Whatever lifetime Keap gives, even none, a grant is refreshed at most once per min-refresh-interval. */
    @Test
    void aTokenRefreshedMomentsAgoIsNeverDueWhateverItsLifetime() {
        Grant expiredOnArrival = grant(NOW, NOW);
        assertTrue(policy.expired(expiredOnArrival, NOW));
        assertFalse(policy.due(expiredOnArrival, NOW.plus(MIN_INTERVAL).minusMillis(1)));
        assertTrue(policy.due(expiredOnArrival, NOW.plus(MIN_INTERVAL)));
    }

    /** A grant refreshed whenever it is due, by requests every 100 ms for an hour (the first refresh one interval in). */
    @Test
    void refreshesStayFewForEveryLifetime() {
        assertEquals(3600 / 10 - 1, refreshesInAnHour(Duration.ofSeconds(20)), "20 s: every 10 s");
        assertEquals(3600 / 15 - 1, refreshesInAnHour(Duration.ofSeconds(30)), "30 s: every 15 s");
        assertEquals(3600 / 10 - 1, refreshesInAnHour(Duration.ofSeconds(1)), "1 s: every min-refresh-interval");
        assertEquals(3600 / 10 - 1, refreshesInAnHour(Duration.ZERO), "0 s: every min-refresh-interval");
        assertEquals(0, refreshesInAnHour(Duration.ofHours(24)), "24 h: none within the hour");
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new RefreshPolicy(SKEW, Duration.ofMinutes(15), Duration.ZERO, Duration.ofDays(20)));
        assertThrows(IllegalArgumentException.class,
                () -> new RefreshPolicy(SKEW.negated(), Duration.ofMinutes(15), MIN_INTERVAL, Duration.ofDays(20)));
        assertThrows(IllegalArgumentException.class,
                () -> new RefreshPolicy(SKEW, Duration.ofMinutes(-1), MIN_INTERVAL, Duration.ofDays(20)));
        assertThrows(IllegalArgumentException.class,
                () -> new RefreshPolicy(SKEW, Duration.ofMinutes(15), MIN_INTERVAL, MIN_INTERVAL));
    }

    private int refreshesInAnHour(Duration lifetime) {
        Grant grant = grant(NOW.plus(lifetime), NOW);
        int refreshes = 0;
        for (Instant at = NOW; at.isBefore(NOW.plus(Duration.ofHours(1))); at = at.plusMillis(100)) {
            if (policy.due(grant, at)) {
                grant = grant(at.plus(lifetime), at);
                refreshes++;
            }
        }
        return refreshes;
    }

    private static Grant grant(Instant expiresAt, Instant refreshedAt) {
        return new Grant(1, GrantState.connected, "access", "refresh", expiresAt, refreshedAt, "xy123.infusionsoft.com", null);
    }
}
