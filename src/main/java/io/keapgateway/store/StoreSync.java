package io.keapgateway.store;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Keeps every replica's caches of keys and connections current. A writer bumps a shared revision counter;
 * each replica polls it (every {@code keap-gateway.keys.sync-interval}, default 250 ms) and reloads when it
 * moved. That is how a revocation reaches every replica within a second, without a Redis call per request.
 * A Vert.x timer drives the poll because the scheduler's resolution is one second; the poll itself runs on
 * a worker thread since the store blocks.
 *
 * <p>A counter that goes backwards means the store lost its data (Redis flushed, or restarted without
 * persistence, or failed over to an empty replica). Then {@link StoreLost} is fired first, so that every
 * cache writes back what it still holds, and the shared state survives as long as one replica runs.
 *
 * <p>A revision counts as seen only once every cache reloaded it: a reload that fails (Redis timing out or
 * failing over half-way) is tried again at the next poll, so no change, a revocation least of all, is
 * skipped for good.
 */
@ApplicationScoped
public class StoreSync {

    private static final Logger LOG = Logger.getLogger(StoreSync.class);

    private final Store store;
    private final Event<StoreChanged> changed;
    private final Event<StoreLost> lost;
    private long seen = Long.MIN_VALUE;
    private boolean failing;
    private Vertx vertx;
    private long timer;

    StoreSync(Store store, Event<StoreChanged> changed, Event<StoreLost> lost) {
        this.store = store;
        this.changed = changed;
        this.lost = lost;
    }

    void loadAtStartup(@Observes @Priority(10) StartupEvent event, Vertx vertx, GatewayConfig config) {
        poll();
        this.vertx = vertx;
        this.timer = vertx.setPeriodic(config.keys().syncInterval().toMillis(),
                tick -> vertx.executeBlocking(() -> {
                    poll();
                    return null;
                }, false));
    }

    void stop(@Observes ShutdownEvent event) {
        if (vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    /** Announces a change made by this replica: reloads here now, and on the others at their next poll. */
    public synchronized void announce() {
        changed(store.increment(StoreNames.REVISION));
    }

    /**
     * Reloads after a change this replica made that already bumped the revision to {@code revision}. The
     * change is durable by then: a reload failing here is logged and tried again at the next poll.
     */
    public synchronized void changed(long revision) {
        try {
            reload(revision);
        } catch (RuntimeException e) {
            LOG.warnf("Reload after a change failed (%s); the next poll tries again", e.getMessage());
        }
    }

    private void reload(long revision) {
        changed.fire(new StoreChanged(revision));
        seen = revision;
    }

    /** Reloads now if the store changed since this replica last loaded (what every poll does). */
    public synchronized void poll() {
        try {
            long revision = store.counter(StoreNames.REVISION);
            if (failing) {
                LOG.info("The store answers again");
                failing = false;
            }
            if (revision < seen) {
                LOG.warnf("The store lost its data (revision %d, last seen %d): writing back what this replica holds",
                        revision, seen);
                lost.fire(new StoreLost());
                announce();
            } else if (revision != seen) {
                reload(revision);
            }
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warnf("The store does not answer (%s); keys and connections stay as last loaded", e.getMessage());
                failing = true;
            }
        }
    }
}
