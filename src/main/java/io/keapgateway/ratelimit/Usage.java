package io.keapgateway.ratelimit;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one key did today (UTC).
 *
 * @param requestsToday requests the limiter allowed
 * @param deniedToday requests the limiter denied
 */
@RegisterForReflection
public record Usage(long requestsToday, long deniedToday) {

    static final Usage NONE = new Usage(0, 0);

    Usage plus(Usage other) {
        return new Usage(requestsToday + other.requestsToday, deniedToday + other.deniedToday);
    }
}
