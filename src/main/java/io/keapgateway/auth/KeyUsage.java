package io.keapgateway.auth;

import io.keapgateway.store.Store;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Tracks {@code last_used_at}. Each use is noted in memory; the newest per key is written to the store
 * every {@code keap-gateway.keys.last-used-flush-interval} (default 5 s), so a proxied request costs no
 * store write. Replicas may overwrite each other's value with one a few seconds older: an accepted
 * imprecision for a field that answers "is this key still in use?".
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class KeyUsage {

    /** The store map of last-use times (epoch milliseconds), by key id. */
    static final String LAST_USED = "key-last-used";

    private static final Logger LOG = Logger.getLogger(KeyUsage.class);

    private final Store store;
    private final Map<String, Instant> pending = new ConcurrentHashMap<>();

    KeyUsage(Store store) {
        this.store = store;
    }

    void used(String keyId, Instant when) {
        pending.put(keyId, when);
    }

    /** When the key was last used, as known to this replica or the store. */
    public Optional<Instant> lastUsed(String keyId) {
        Instant local = pending.get(keyId);
        if (local != null) {
            return Optional.of(local);
        }
        return store.mapGet(LAST_USED, keyId).map(ms -> Instant.ofEpochMilli(Long.parseLong(ms)));
    }

    @Scheduled(every = "${keap-gateway.keys.last-used-flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, String> batch = new HashMap<>();
        pending.forEach((id, when) -> {
            batch.put(id, Long.toString(when.toEpochMilli()));
            pending.remove(id, when); // keeps a newer use noted meanwhile
        });
        try {
            store.mapPutAll(LAST_USED, batch);
        } catch (RuntimeException e) {
            LOG.debugf("last_used_at not written (store unavailable): %s", e.getMessage());
        }
    }

    void flushOnShutdown(@Observes ShutdownEvent event) {
        flush();
    }
}
