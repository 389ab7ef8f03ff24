package io.keapgateway.notify;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.auth.KeyRecord;
import io.keapgateway.auth.KeyService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * A key revoked or rotated is told to the owner as it happens: the replica that made the change sends it
 * (from the audit entry, after the change is stored), so it is sent once.
 */
@ApplicationScoped
class KeyEvents {

    private static final Logger LOG = Logger.getLogger(KeyEvents.class);

    private final Notifier notifier;
    private final KeyService keys;

    KeyEvents(Notifier notifier, KeyService keys) {
        this.notifier = notifier;
        this.keys = keys;
    }

    void audited(@ObservesAsync AuditLog.Entry entry) {
        if (!notifier.enabled() || !(entry.action().equals("key.revoke") || entry.action().equals("key.rotate"))) {
            return;
        }
        String id = entry.target();
        String name = id;
        try {
            KeyRecord key = keys.get(id);
            name = key.name() == null ? id : key.name();
        } catch (RuntimeException e) {
            LOG.debugf("Key %s not readable for its notification: %s", id, e.toString());
        }
        if (entry.action().equals("key.revoke")) {
            notifier.send(notifier.notice(null, NotifyEvent.KEY_REVOKED, Notice.Status.ONCE, id,
                    Texts.keyRevoked(id, name, entry.actor())));
        } else {
            notifier.send(notifier.notice(null, NotifyEvent.KEY_ROTATED, Notice.Status.ONCE, id,
                    Texts.keyRotated(id, name, entry.actor(), graceUntil(entry))));
        }
    }

    /** From the rotation's audit detail {@code grace_seconds=N}: when the old secret stops working (null: at once). */
    static Instant graceUntil(AuditLog.Entry entry) {
        String detail = entry.detail() == null ? "" : entry.detail();
        int at = detail.indexOf("grace_seconds=");
        if (at < 0) {
            return null;
        }
        String digits = detail.substring(at + "grace_seconds=".length()).split("\\s")[0];
        try {
            long seconds = Long.parseLong(digits);
            return seconds <= 0 ? null : entry.at().plusSeconds(seconds);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
