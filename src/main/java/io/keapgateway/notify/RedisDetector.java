package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.ratelimit.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Redis unreachable from this replica: the limiter decides alone (its local mode). */
@ApplicationScoped
class RedisDetector implements Detector {

    private final RateLimiter limiter;
    private final Duration lostFor;
    private final String replica;

    RedisDetector(RateLimiter limiter, GatewayConfig config) {
        this.limiter = limiter;
        this.lostFor = config.notifications().redisUnreachableFor();
        // Kubernetes sets HOSTNAME to the pod's name: the replica the owner can find.
        String hostname = System.getenv("HOSTNAME");
        this.replica = hostname == null || hostname.isBlank() ? "(no HOSTNAME set)" : hostname;
    }

    @Override
    public Set<NotifyEvent> events() {
        return Set.of(NotifyEvent.REDIS_UNREACHABLE);
    }

    @Override
    public List<Finding> findings(Instant now) {
        return limiter.decidesLocally()
                ? List.of(new Finding(NotifyEvent.REDIS_UNREACHABLE, "redis", Texts.redisUnreachable(replica, lostFor)))
                : List.of();
    }
}
