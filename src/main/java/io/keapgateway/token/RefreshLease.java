package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Store;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The two cross-replica records of refreshing one connection's grant, each a store value with a TTL holding
 * a random owner token (only the owner renews or releases it):
 * <ul>
 *   <li>the <b>lease</b>, short ({@code lease-ttl}): who decides about refreshing now;</li>
 *   <li>the <b>exchange record</b> of grant version N, long ({@code token-call-limit} plus {@code lease-ttl}):
 *       N's refresh token is out at Keap. It outlives a holder that stalls past its lease (a GC pause, a
 *       frozen VM), so no replica sends that refresh token again while its answer may still come back.</li>
 * </ul>
 * Both are kept alive while the token call runs and until its pair is saved; a holder that dies lets them
 * lapse. Keeping alive re-creates a record the store lost (Redis restarted empty). Blocking, except
 * {@link #keepAlive}.
 */
@ApplicationScoped
class RefreshLease {

    private static final Logger LOG = Logger.getLogger(RefreshLease.class);
    // An instance field, not a static one: a native image would otherwise freeze a seeded generator in its heap.
    private final SecureRandom random = new SecureRandom();

    /** A lease this replica holds. */
    record Held(String connection, String owner) {
    }

    /** The exchange record this replica holds: the refresh token of grant {@code version} is out at Keap. */
    record Exchange(Held lease, long version) {
    }

    private final Store store;
    private final Vertx vertx;
    private final Duration ttl;
    private final Duration exchangeTtl;

    RefreshLease(Store store, Vertx vertx, GatewayConfig config) {
        this.store = store;
        this.vertx = vertx;
        this.ttl = config.oauth().leaseTtl();
        this.exchangeTtl = config.oauth().tokenCallLimit().plus(ttl);
    }

    static String key(String connection) {
        return "lease:token:" + connection;
    }

    static String exchangeKey(String connection, long version) {
        return "exchange:token:" + connection + ":" + version;
    }

    Optional<Held> tryAcquire(String connection) {
        byte[] owner = new byte[16];
        random.nextBytes(owner);
        Held held = new Held(connection, HexFormat.of().formatHex(owner));
        return store.claim(key(connection), held.owner(), ttl) ? Optional.of(held) : Optional.empty();
    }

    /** Gives the lease up if it is still ours. A failure is only logged: the lease then lapses by itself. */
    void release(Held held) {
        delete(key(held.connection()), held.owner(), "refresh lease", held.connection());
    }

    /** Whether some replica holds the lease of {@code connection} now. */
    boolean taken(String connection) {
        return store.get(key(connection)).isPresent();
    }

    /** Records that this replica sends the refresh token of grant {@code version}; empty if another one does. */
    Optional<Exchange> beginExchange(Held held, long version) {
        boolean ours = store.claim(exchangeKey(held.connection(), version), held.owner(), exchangeTtl);
        return ours ? Optional.of(new Exchange(held, version)) : Optional.empty();
    }

    /** Whether some replica may be exchanging the refresh token of grant {@code version} right now. */
    boolean exchanging(String connection, long version) {
        return store.get(exchangeKey(connection, version)).isPresent();
    }

    /** The exchange is settled (its pair saved, or Keap's answer judged): the records go. */
    void end(Exchange exchange) {
        Held held = exchange.lease();
        delete(exchangeKey(held.connection(), exchange.version()), held.owner(), "exchange record", held.connection());
        release(held);
    }

    /**
     * The call failed after its connection was made, so Keap may have rotated without this replica hearing
     * of it: the exchange record stays one more lease lifetime, time for any replica that got a pair to
     * save it, before the refresh token may be sent again.
     */
    void endUncertain(Exchange exchange) {
        Held held = exchange.lease();
        try {
            store.claim(exchangeKey(held.connection(), exchange.version()), held.owner(), ttl);
        } catch (RuntimeException e) {
            LOG.warnf("Could not shorten the exchange record of connection %s: %s", held.connection(), e.getMessage());
        }
        release(held);
    }

    /**
     * Renews the lease and the exchange record every third of the lease's TTL until the answered
     * {@link Runnable} is run. A renewal that fails is logged: the compare-and-set of the save, not the
     * lease, decides whether the pair is kept.
     */
    Runnable keepAlive(Exchange exchange) {
        long every = Math.max(100, ttl.toMillis() / 3);
        long timer = vertx.setPeriodic(every, tick -> vertx.executeBlocking(() -> renew(exchange), false));
        return () -> vertx.cancelTimer(timer);
    }

    private boolean renew(Exchange exchange) {
        Held held = exchange.lease();
        try {
            if (!store.claim(exchangeKey(held.connection(), exchange.version()), held.owner(), exchangeTtl)) {
                LOG.errorf("The exchange record of connection %s (grant version %d) was taken over while its token "
                        + "call was out", held.connection(), exchange.version());
            }
            if (!store.claim(key(held.connection()), held.owner(), ttl)) {
                LOG.warnf("The refresh lease of connection %s lapsed while its token call was out", held.connection());
                return false;
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Could not renew the refresh lease of connection %s: %s", held.connection(), e.getMessage());
            return false;
        }
    }

    private void delete(String key, String owner, String what, String connection) {
        try {
            store.deleteIfEquals(key, owner);
        } catch (RuntimeException e) {
            LOG.warnf("Could not release the %s of connection %s (it lapses by itself): %s", what, connection,
                    e.getMessage());
        }
    }
}
