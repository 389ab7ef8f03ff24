package io.keapgateway.connection;

import io.keapgateway.secret.SecretBox;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreChanged;
import io.keapgateway.store.StoreLost;
import io.keapgateway.store.StoreNames;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Every connection, with its secrets opened, held in memory and replaced whenever the store changes. */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class ConnectionRegistry {

    private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class);
    /** How often a write-back re-reads a connection that another write changed under it. */
    private static final int WRITE_BACK_ATTEMPTS = 3;

    private final Store store;
    private final Documents documents;
    private final SecretBox box;
    private volatile Map<String, Connection> connections = Map.of();
    /** The records as stored (secrets sealed), kept to write back into a store that lost them. */
    private volatile Map<String, ConnectionRecord> records = Map.of();

    ConnectionRegistry(Store store, Documents documents, SecretBox box) {
        this.store = store;
        this.documents = documents;
        this.box = box;
    }

    void reload(@Observes StoreChanged change) {
        Map<String, Connection> loaded = new HashMap<>();
        Map<String, ConnectionRecord> stored = new HashMap<>();
        store.mapEntries(StoreNames.CONNECTIONS).forEach((name, document) -> {
            try {
                ConnectionRecord record = documents.read(document, ConnectionRecord.class);
                loaded.put(name, open(record));
                stored.put(name, record);
            } catch (RuntimeException e) {
                LOG.errorf("Connection %s is unreadable and is ignored: %s", name, e.getMessage());
            }
        });
        connections = Map.copyOf(loaded);
        records = Map.copyOf(stored);
    }

    /**
     * Writes every connection this replica holds back into a store that lost data, where it is newer than
     * what the store holds now: a stale copy after a fail-over never wins over a later change.
     */
    void restore(@Observes StoreLost loss) {
        records.values().forEach(this::writeBack);
    }

    private void writeBack(ConnectionRecord held) {
        for (int attempt = 0; attempt < WRITE_BACK_ATTEMPTS; attempt++) {
            Optional<ConnectionRecord> stored = store.mapGet(StoreNames.CONNECTIONS, held.name())
                    .map(document -> documents.read(document, ConnectionRecord.class));
            if (stored.isPresent() && stored.get().version() >= held.version()) {
                return;
            }
            if (store.catalogPut(StoreNames.CONNECTIONS, held.name(),
                    stored.map(ConnectionRecord::version).orElse(Store.ABSENT), held.version(),
                    documents.write(held)).isPresent()) {
                return;
            }
        }
        LOG.warnf("Connection %s was not written back: it kept changing meanwhile", held.name());
    }

    public Optional<Connection> find(String name) {
        return Optional.ofNullable(connections.get(name));
    }

    public Collection<Connection> all() {
        return connections.values();
    }

    private Connection open(ConnectionRecord record) {
        String context = ConnectionService.sealContext(record.name());
        return new Connection(record.name(), record.mode(), record.clientId(),
                record.sealedClientSecret() == null ? null : box.open(record.sealedClientSecret(), context),
                record.sealedApiKey() == null ? null : box.open(record.sealedApiKey(), context));
    }
}
