package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Store;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The cross-replica lock on refreshing one connection's grant: a store value with a TTL holding a random
 * owner token. Only the owner renews or releases it, so a holder that outlived its lease can never release
 * the next holder's. It is renewed while the token call runs; a holder that dies simply lets it lapse.
 * Blocking, except {@link #keptDuring}.
 */
@ApplicationScoped
class RefreshLease {

    private static final Logger LOG = Logger.getLogger(RefreshLease.class);
    // An instance field, not a static one: a native image would otherwise freeze a seeded generator in its heap.
    private final SecureRandom random = new SecureRandom();

    /** A lease this replica holds. */
    record Held(String connection, String owner) {
    }

    private final Store store;
    private final Vertx vertx;
    private final Duration ttl;

    RefreshLease(Store store, Vertx vertx, GatewayConfig config) {
        this.store = store;
        this.vertx = vertx;
        this.ttl = config.oauth().leaseTtl();
    }

    static String key(String connection) {
        return "lease:token:" + connection;
    }

    Optional<Held> tryAcquire(String connection) {
        byte[] owner = new byte[16];
        random.nextBytes(owner);
        Held held = new Held(connection, HexFormat.of().formatHex(owner));
        return store.putIfAbsent(key(connection), held.owner(), ttl) ? Optional.of(held) : Optional.empty();
    }

    /** Extends the lease; false if it is no longer ours (it lapsed, and perhaps someone else holds it now). */
    boolean renew(Held held) {
        return store.expireIfEquals(key(held.connection()), held.owner(), ttl);
    }

    /** Gives the lease up if it is still ours. A failure is only logged: the lease then lapses by itself. */
    void release(Held held) {
        try {
            store.deleteIfEquals(key(held.connection()), held.owner());
        } catch (RuntimeException e) {
            LOG.warnf("Could not release the refresh lease of connection %s (it lapses by itself): %s",
                    held.connection(), e.getMessage());
        }
    }

    /** Whether some replica holds the lease of {@code connection} now. */
    boolean taken(String connection) {
        return store.get(key(connection)).isPresent();
    }

    /** Runs {@code work} while renewing the lease every third of its TTL, so a slow Keap cannot outlast it. */
    <T> Uni<T> keptDuring(Held held, Uni<T> work) {
        return Uni.createFrom().deferred(() -> {
            long every = Math.max(100, ttl.toMillis() / 3);
            long timer = vertx.setPeriodic(every, tick -> vertx.executeBlocking(() -> renewLogged(held), false));
            return work.onTermination().invoke(() -> vertx.cancelTimer(timer));
        });
    }

    private boolean renewLogged(Held held) {
        try {
            if (!renew(held)) {
                LOG.warnf("The refresh lease of connection %s lapsed while its token call was running", held.connection());
                return false;
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Could not renew the refresh lease of connection %s: %s", held.connection(), e.getMessage());
            return false;
        }
    }
}
