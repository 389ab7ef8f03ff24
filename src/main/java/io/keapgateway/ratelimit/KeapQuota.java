package io.keapgateway.ratelimit;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What Keap last reported about a connection's quotas in its {@code x-keap-*} response headers
 * (KEAP-API-FACTS.md section 4). Any value Keap did not send is null.
 *
 * @param dailyLimit {@code x-keap-product-quota-limit}: requests per day for the OAuth app or api key
 * @param dailyAvailable {@code x-keap-product-quota-available}: requests left today
 * @param dailyUsed {@code x-keap-product-quota-used}
 * @param dailyExpiresAt {@code x-keap-product-quota-expiry-time}: when the day's quota resets
 * @param throttle {@code x-keap-product-throttle-*}: the short windows (per minute) of the app or key
 * @param tenantThrottle {@code x-keap-tenant-throttle-*}: the account's windows (per minute and per day)
 * @param tenantId {@code x-keap-tenant-id}
 * @param observedAt when the gateway received these headers
 */
@RegisterForReflection
public record KeapQuota(
        Long dailyLimit,
        Long dailyAvailable,
        Long dailyUsed,
        Instant dailyExpiresAt,
        List<Window> throttle,
        List<Window> tenantThrottle,
        String tenantId,
        Instant observedAt) {

    public KeapQuota {
        throttle = List.copyOf(throttle);
        tenantThrottle = List.copyOf(tenantThrottle);
    }

    /**
     * One window of a throttle family.
     *
     * @param timeUnit Keap's unit, e.g. {@code minute} or {@code day}
     * @param interval how many units the window spans
     * @param limit requests allowed per window
     * @param available requests left in the window
     * @param used requests counted in the window
     */
    @RegisterForReflection
    public record Window(String timeUnit, long interval, Long limit, Long available, Long used) {

        /** The window's length, or null when Keap's unit is unknown. */
        Duration length() {
            if (timeUnit == null) {
                return null;
            }
            Duration unit = switch (timeUnit.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "second" -> Duration.ofSeconds(1);
                case "minute" -> Duration.ofMinutes(1);
                case "hour" -> Duration.ofHours(1);
                case "day" -> Duration.ofDays(1);
                default -> null;
            };
            return unit == null ? null : unit.multipliedBy(Math.max(1, interval));
        }

        boolean isDaily() {
            return Duration.ofDays(1).equals(length());
        }
    }
}
