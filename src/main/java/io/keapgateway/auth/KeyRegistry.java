package io.keapgateway.auth;

import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreChanged;
import io.keapgateway.store.StoreLost;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every gateway key, compiled and held in memory so that checking a key costs no store round trip. It is
 * replaced as a whole whenever the store changes (see {@link io.keapgateway.store.StoreSync}).
 */
@ApplicationScoped
public class KeyRegistry {

    /** The store map of key documents, by id. */
    public static final String KEYS = "keys";

    private static final Logger LOG = Logger.getLogger(KeyRegistry.class);

    private final Store store;
    private final Documents documents;
    private volatile Map<String, ActiveKey> keys = Map.of();

    KeyRegistry(Store store, Documents documents) {
        this.store = store;
        this.documents = documents;
    }

    void reload(@Observes StoreChanged change) {
        Map<String, ActiveKey> loaded = new HashMap<>();
        store.mapEntries(KEYS).forEach((id, document) -> {
            try {
                loaded.put(id, ActiveKey.of(documents.read(document, KeyRecord.class)));
            } catch (RuntimeException e) {
                LOG.errorf("Key %s is unreadable and is ignored: %s", id, e.getMessage());
            }
        });
        keys = Map.copyOf(loaded);
    }

    /** Writes every key this replica holds back into a store that lost them. */
    void restore(@Observes StoreLost loss) {
        keys.values().forEach(key -> store.mapPutIfAbsent(KEYS, key.id(), documents.write(key.record())));
    }

    public Optional<ActiveKey> find(String id) {
        return Optional.ofNullable(keys.get(id));
    }
}
