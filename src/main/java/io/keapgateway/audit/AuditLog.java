package io.keapgateway.audit;

import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreUnavailable;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The trail of admin changes and token events, newest first, capped at {@value #KEPT} entries. Entries
 * name what changed, never a secret.
 */
@ApplicationScoped
public class AuditLog {

    /** Entries kept, newest first. */
    public static final int KEPT = 1000;
    private static final String AUDIT = "audit";
    private static final Logger LOG = Logger.getLogger("io.keapgateway.audit");

    /** One audited event. */
    @RegisterForReflection
    public record Entry(Instant at, String actor, String action, String target, String detail) {
    }

    private final Store store;
    private final Documents documents;
    private final Clock clock;
    private final Event<Entry> recorded;

    AuditLog(Store store, Documents documents, Clock clock, Event<Entry> recorded) {
        this.store = store;
        this.documents = documents;
        this.clock = clock;
        this.recorded = recorded;
    }

    public void record(String actor, String action, String target, String detail) {
        Entry entry = new Entry(clock.instant(), actor, action, target, detail);
        LOG.infof("audit: %s %s %s %s", actor, action, target, detail == null ? "" : detail);
        try {
            store.pushCapped(AUDIT, documents.write(entry), KEPT);
        } catch (StoreUnavailable e) {
            // The change it records is made (and in the log line above): failing the call now would tell
            // the operator "nothing applied" about a change that was.
            LOG.warnf("audit entry not stored (%s)", e.getMessage());
        }
        // Observers (notifications of key changes) run later, on another thread: never part of the change.
        recorded.fireAsync(entry);
    }

    /** The newest {@code limit} entries. */
    public List<Entry> recent(int limit) {
        return store.first(AUDIT, limit).stream().map(doc -> documents.read(doc, Entry.class)).toList();
    }
}
