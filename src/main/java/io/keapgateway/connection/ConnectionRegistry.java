package io.keapgateway.connection;

import io.keapgateway.secret.SecretBox;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreChanged;
import io.keapgateway.store.StoreLost;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Every connection, with its secrets opened, held in memory and replaced whenever the store changes. */
@ApplicationScoped
public class ConnectionRegistry {

    /** The store map of connection documents, by name. */
    public static final String CONNECTIONS = "connections";

    private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class);

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
        store.mapEntries(CONNECTIONS).forEach((name, document) -> {
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

    /** Writes every connection this replica holds back into a store that lost them. */
    void restore(@Observes StoreLost loss) {
        records.forEach((name, record) -> store.mapPutIfAbsent(CONNECTIONS, name, documents.write(record)));
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
