package io.keapgateway.ratelimit;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long to stop sending after Keap's n-th 429 in a row when its headers do not say: Keap sends no
 * {@code Retry-After} and recommends exponential backoff. 1 s, 2 s, 4 s … capped at 60 s, each plus up to
 * 25% random jitter so that replicas do not all come back in the same millisecond.
 */
final class Backoff {

    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration CAP = Duration.ofSeconds(60);

    private final DoubleSupplier random; // uniform in [0, 1)

    Backoff(DoubleSupplier random) {
        this.random = random;
    }

    /** The wait after the {@code attempt}-th 429 in a row (1 for the first). */
    Duration delay(int attempt) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 16); // 2^16 s is far past the cap
        long base = Math.min(FIRST.toMillis() << doublings, CAP.toMillis());
        return Duration.ofMillis(base + (long) (base * 0.25 * random.getAsDouble()));
    }
}
