package io.keapgateway.health;

import io.keapgateway.ratelimit.RateLimiter;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Wellness ({@code /q/health/well}): DOWN while this replica decides limits alone because Redis is
 * unreachable (the fallback mode, in which each replica allows its share of every limit). Proxying goes on
 * meanwhile, so this is never readiness.
 */
@Wellness
@ApplicationScoped
public class RedisWellness implements HealthCheck {

    private final RateLimiter limiter;

    RedisWellness(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public HealthCheckResponse call() {
        boolean local = limiter.decidesLocally();
        return HealthCheckResponse.named("redis").status(!local)
                .withData("limits", local ? "local_fallback" : "shared")
                .build();
    }
}
