package io.keapgateway.ratelimit;

import io.vertx.core.MultiMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads Keap's {@code x-keap-*} quota headers (KEAP-API-FACTS.md section 4). Values may carry several
 * windows separated by {@code |} (e.g. tenant throttle {@code minute|day}); anything unreadable is null.
 */
final class KeapHeaders {

    static final String PREFIX = "x-keap-";
    static final String QUOTA = PREFIX + "product-quota-";
    static final String THROTTLE = PREFIX + "product-throttle-";
    static final String TENANT = PREFIX + "tenant-throttle-";
    static final String TENANT_ID = PREFIX + "tenant-id";

    // Keap sends about twenty; the bound keeps a misbehaving upstream from filling memory and Redis.
    private static final int MAX_HEADERS = 40;
    private static final int MAX_VALUE = 200;

    private KeapHeaders() {
    }

    /** The {@code x-keap-*} headers of a response, names in lower case; empty when there are none. */
    static Map<String, String> extract(MultiMap headers) {
        Map<String, String> found = null;
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey();
            if (name.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) && header.getValue().length() <= MAX_VALUE) {
                if (found == null) {
                    found = new HashMap<>();
                }
                if (found.size() < MAX_HEADERS) {
                    found.put(name.toLowerCase(Locale.ROOT), header.getValue());
                }
            }
        }
        return found == null ? Map.of() : found;
    }

    /** What the headers say about quotas, or empty when they say nothing. */
    static Optional<KeapQuota> parse(Map<String, String> raw, Instant observedAt) {
        List<KeapQuota.Window> throttle = windows(raw, THROTTLE);
        List<KeapQuota.Window> tenant = windows(raw, TENANT);
        Long limit = number(first(raw.get(QUOTA + "limit")));
        Long available = number(first(raw.get(QUOTA + "available")));
        Long used = number(first(raw.get(QUOTA + "used")));
        Long expiry = number(first(raw.get(QUOTA + "expiry-time"))); // epoch milliseconds
        if (limit == null && available == null && used == null && throttle.isEmpty() && tenant.isEmpty()) {
            return Optional.empty();
        }
        Instant expiresAt = expiry == null ? null : Instant.ofEpochMilli(expiry);
        return Optional.of(new KeapQuota(
                limit, available, used, expiresAt, throttle, tenant, raw.get(TENANT_ID), observedAt));
    }

    private static List<KeapQuota.Window> windows(Map<String, String> raw, String family) {
        String[] units = split(raw.get(family + "time-unit"));
        String[] intervals = split(raw.get(family + "interval"));
        String[] limits = split(raw.get(family + "limit"));
        String[] available = split(raw.get(family + "available"));
        String[] used = split(raw.get(family + "used"));
        int count = Math.max(units.length, Math.max(limits.length, Math.max(available.length, used.length)));
        List<KeapQuota.Window> windows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Long interval = number(at(intervals, i));
            windows.add(new KeapQuota.Window(
                    at(units, i), interval == null ? 1 : interval,
                    number(at(limits, i)), number(at(available, i)), number(at(used, i))));
        }
        return windows;
    }

    private static String[] split(String value) {
        return value == null || value.isBlank() ? new String[0] : value.split("\\|", -1);
    }

    private static String first(String value) {
        return at(split(value), 0);
    }

    private static String at(String[] parts, int index) {
        if (index >= parts.length || parts[index].isBlank()) {
            return null;
        }
        return parts[index].trim();
    }

    private static Long number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null; // Keap's headers are undocumented in places: an odd value is skipped, not fatal
        }
    }
}
