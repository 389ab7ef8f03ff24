package io.keapgateway.soak;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The invariants a run checks, and every moment one broke (with the seed, so that the run can be replayed).
 * Thread-safe: traffic, admin changes and the checker report from their own threads.
 */
final class Violations {

    /** One broken invariant: which, when (seconds into the run), and what was seen. */
    record Violation(String invariant, Duration at, String detail) {
    }

    static final String REFRESH_TOKEN_ONCE = "a refresh token reaches Keap at most once";
    static final String GRANT_CONNECTED = "the grant ends connected";
    static final String REFRESHES_FEW = "refreshes stay few (one per lifetime minus margin, plus one per token-invalidating fault)";
    static final String NO_HANG = "every request is answered within its budget";
    static final String NO_LEAK = "no gateway key or Keap credential reaches Keap or a client";
    static final String KEY_CHANGES = "a revoked key is refused everywhere within 1 s; a created or rotated key works everywhere at once";
    static final String ADMIN_DURABLE = "no acknowledged admin change is lost";
    static final String LIMITS = "what reaches Keap per key stays within rate x time + burst; a denied request never reaches it";
    static final String NO_REDIS_5XX = "no 5xx caused by Redis alone";
    static final String PROBLEM_JSON = "every gateway error is problem+json with a code";

    static final List<String> ALL = List.of(REFRESH_TOKEN_ONCE, GRANT_CONNECTED, REFRESHES_FEW, NO_HANG, NO_LEAK,
            KEY_CHANGES, ADMIN_DURABLE, LIMITS, NO_REDIS_5XX, PROBLEM_JSON);

    private final long seed;
    private final Instant start;
    private final List<Violation> seen = new ArrayList<>();
    private final Map<String, Integer> checks = new LinkedHashMap<>();

    Violations(long seed, Instant start) {
        this.seed = seed;
        this.start = start;
        ALL.forEach(invariant -> checks.put(invariant, 0));
    }

    /** One more check of {@code invariant} that held or not. */
    synchronized void checked(String invariant, boolean held, String detail) {
        checks.merge(invariant, 1, Integer::sum);
        if (!held) {
            Violation violation = new Violation(invariant, Duration.between(start, Instant.now()), detail);
            seen.add(violation);
            System.out.printf("SOAK seed %d at %.1f s: BROKEN %s: %s%n", seed, violation.at().toMillis() / 1000.0,
                    invariant, detail);
        }
    }

    synchronized List<Violation> all() {
        return List.copyOf(seen);
    }

    synchronized Map<String, Integer> checks() {
        return new LinkedHashMap<>(checks);
    }

    synchronized boolean held(String invariant) {
        return seen.stream().noneMatch(v -> v.invariant().equals(invariant));
    }
}
