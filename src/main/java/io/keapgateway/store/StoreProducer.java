package io.keapgateway.store;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Chooses the store named by {@code keap-gateway.store}. */
@ApplicationScoped
public class StoreProducer {

    private static final Logger LOG = Logger.getLogger(StoreProducer.class);

    @Produces
    @ApplicationScoped
    Store store(GatewayConfig config, Instance<ReactiveRedisDataSource> redis, Clock clock) {
        if (config.store() == GatewayConfig.StoreKind.memory) {
            LOG.warn("Using the in-memory store: data is lost on restart and cannot be shared by replicas");
            return new MemoryStore(clock);
        }
        RedisStore store = new RedisStore(redis.get(), config.redisPrefix());
        try {
            store.adoptLegacyCatalog();
        } catch (StoreUnavailable e) {
            LOG.warnf("Could not look for documents in the store's previous layout: %s", e.getMessage());
        }
        return store;
    }

    /** The one clock of the gateway; tests may replace it. */
    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
