package io.keapgateway.connection;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.secret.SecretBox;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreNames;
import io.keapgateway.store.StoreSync;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * After the encryption key was rotated, seals every connection's secrets again with the current key, so that
 * the previous key can be retired (docs/operations.md, "Rotating the encryption key"). Each record is a
 * compare-and-set on its version: a change made meanwhile (by an operator, or by another replica re-sealing
 * the same record) wins, and its copy is sealed with the current key anyway. Grants are sealed again by their
 * next refresh, not here: a grant is written only by the replica that holds its refresh.
 */
@ApplicationScoped
public class ConnectionReseal {

    private static final Logger LOG = Logger.getLogger(ConnectionReseal.class);

    private final Store store;
    private final StoreSync sync;
    private final Documents documents;
    private final SecretBox box;
    private final AuditLog audit;

    ConnectionReseal(Store store, StoreSync sync, Documents documents, SecretBox box, AuditLog audit) {
        this.store = store;
        this.sync = sync;
        this.documents = documents;
        this.box = box;
        this.audit = audit;
    }

    @Scheduled(every = "${keap-gateway.reseal-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        try {
            resealAll();
        } catch (RuntimeException e) {
            LOG.debugf("Connections not re-sealed this time (the store did not answer): %s", e.getMessage());
        }
    }

    /** Seals again what is sealed with another key than the current one; answers how many it re-sealed. */
    public int resealAll() {
        int resealed = 0;
        for (Map.Entry<String, String> entry : store.mapEntries(StoreNames.CONNECTIONS).entrySet()) {
            ConnectionRecord record;
            try {
                record = documents.read(entry.getValue(), ConnectionRecord.class);
            } catch (RuntimeException e) {
                continue; // named in the log by the registry's reload
            }
            if (!current(record) && reseal(record)) {
                resealed++;
            }
        }
        if (resealed > 0) {
            LOG.infof("Sealed the secrets of %d connection(s) again with encryption key %s", resealed, box.keyId());
        }
        return resealed;
    }

    /** How many connections hold a secret sealed with another key than the current one. */
    public long pending() {
        return store.mapEntries(StoreNames.CONNECTIONS).values().stream()
                .filter(document -> {
                    try {
                        return !current(documents.read(document, ConnectionRecord.class));
                    } catch (RuntimeException e) {
                        return false;
                    }
                }).count();
    }

    private boolean reseal(ConnectionRecord record) {
        String context = ConnectionService.sealContext(record.name());
        ConnectionRecord again = new ConnectionRecord(record.name(), record.mode(), record.clientId(),
                sealAgain(record.sealedClientSecret(), context), sealAgain(record.sealedApiKey(), context),
                record.fingerprint(), record.updatedAt(), record.version() + 1);
        OptionalLong revision = store.catalogPut(StoreNames.CONNECTIONS, record.name(), record.version(),
                again.version(), documents.write(again));
        revision.ifPresent(sync::changed);
        if (revision.isPresent()) {
            audit.record("gateway", "connection.resealed", record.name(), "key_id=" + box.keyId());
        }
        return revision.isPresent();
    }

    private boolean current(ConnectionRecord record) {
        return sealedWithCurrentKey(record.sealedClientSecret()) && sealedWithCurrentKey(record.sealedApiKey());
    }

    private boolean sealedWithCurrentKey(String sealed) {
        return sealed == null || box.sealedWithCurrentKey(sealed);
    }

    private String sealAgain(String sealed, String context) {
        return sealed == null || box.sealedWithCurrentKey(sealed) ? sealed : box.seal(box.open(sealed, context), context);
    }
}
