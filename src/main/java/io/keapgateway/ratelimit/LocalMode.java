package io.keapgateway.ratelimit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Whether this replica decides limits on its own because Redis is unreachable. Logged once on each switch
 * (not per request) and exported as the gauge {@code keap_gateway_ratelimit_local_mode} (1 or 0).
 */
final class LocalMode {

    static final String GAUGE = "keap_gateway_ratelimit_local_mode";
    private static final Logger LOG = Logger.getLogger(RateLimiter.class);

    private final AtomicBoolean active = new AtomicBoolean();

    LocalMode(MeterRegistry registry) {
        Gauge.builder(GAUGE, active, flag -> flag.get() ? 1 : 0)
                .description("1 while Redis is unreachable and each replica enforces its share of the limits")
                .register(registry);
    }

    boolean active() {
        return active.get();
    }

    void enter(Throwable cause, int replicas) {
        if (active.compareAndSet(false, true)) {
            LOG.warnf("Redis unreachable (%s): limits are now enforced locally, this replica allowing 1/%d of each",
                    cause.toString(), replicas);
        }
    }

    void leave() {
        if (active.compareAndSet(true, false)) {
            LOG.info("Redis reachable again: shared limits resume");
        }
    }
}
