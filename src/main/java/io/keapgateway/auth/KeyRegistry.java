package io.keapgateway.auth;

import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreChanged;
import io.keapgateway.store.StoreLost;
import io.keapgateway.store.StoreNames;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every gateway key, compiled and held in memory so that checking a key costs no store round trip. It is
 * replaced as a whole whenever the store changes (see {@link io.keapgateway.store.StoreSync}), and a key
 * read on its own ({@link KeyLookup}) joins it. Neither ever replaces a key by an older version of it, so
 * a reload and a lookup that overlap cannot bring back what a revocation replaced.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class KeyRegistry {

    private static final Logger LOG = Logger.getLogger(KeyRegistry.class);
    /** How often a write-back re-reads a key that another write changed under it. */
    private static final int WRITE_BACK_ATTEMPTS = 3;

    private final Store store;
    private final Documents documents;
    private volatile Map<String, ActiveKey> keys = Map.of();

    KeyRegistry(Store store, Documents documents) {
        this.store = store;
        this.documents = documents;
    }

    void reload(@Observes StoreChanged change) {
        Map<String, ActiveKey> loaded = new HashMap<>();
        store.mapEntries(StoreNames.KEYS).forEach((id, document) -> {
            try {
                loaded.put(id, ActiveKey.of(documents.read(document, KeyRecord.class)));
            } catch (RuntimeException e) {
                LOG.errorf("Key %s is unreadable and is ignored: %s", id, e.getMessage());
            }
        });
        install(loaded);
    }

    private synchronized void install(Map<String, ActiveKey> loaded) {
        Map<String, ActiveKey> current = keys;
        loaded.replaceAll((id, key) -> newer(key, current.get(id)));
        keys = Map.copyOf(loaded);
    }

    /** Adds one key read from the store, unless this replica already holds it at that version or later. */
    synchronized void remember(ActiveKey key) {
        Map<String, ActiveKey> current = keys;
        if (newer(key, current.get(key.id())) == key) {
            Map<String, ActiveKey> grown = new HashMap<>(current);
            grown.put(key.id(), key);
            keys = Map.copyOf(grown);
        }
    }

    private static ActiveKey newer(ActiveKey key, ActiveKey held) {
        return held != null && held.record().version() > key.record().version() ? held : key;
    }

    /**
     * Writes every key this replica holds back into a store that lost data, merged by version with what it
     * holds now (see {@link KeyRecord#writeBackOver}): a stale copy after a fail-over never wins.
     */
    void restore(@Observes StoreLost loss) {
        keys.values().forEach(key -> writeBack(key.record()));
    }

    private void writeBack(KeyRecord held) {
        for (int attempt = 0; attempt < WRITE_BACK_ATTEMPTS; attempt++) {
            Optional<KeyRecord> stored = store.mapGet(StoreNames.KEYS, held.id())
                    .map(document -> documents.read(document, KeyRecord.class));
            Optional<KeyRecord> merged = held.writeBackOver(stored.orElse(null));
            if (merged.isEmpty() || store.catalogPut(StoreNames.KEYS, held.id(),
                    stored.map(KeyRecord::version).orElse(Store.ABSENT), merged.get().version(),
                    documents.write(merged.get())).isPresent()) {
                return;
            }
        }
        LOG.warnf("Key %s was not written back: it kept changing meanwhile", held.id());
    }

    public Optional<ActiveKey> find(String id) {
        return Optional.ofNullable(keys.get(id));
    }
}
