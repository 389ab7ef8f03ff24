package io.keapgateway.token;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.store.StoreSync;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * What custody tells the world when a grant changes: the log and audit trail (never a token; a version
 * number identifies the grant), and the other replicas, which reload at once instead of at their next need.
 */
@ApplicationScoped
class CustodyEvents {

    /** The actor of what the gateway does by itself (refreshes, write-backs). */
    static final String GATEWAY = "gateway";
    private static final Logger LOG = Logger.getLogger(CustodyEvents.class);

    private final AuditLog audit;
    private final StoreSync sync;
    private final RefreshMetrics metrics;

    CustodyEvents(AuditLog audit, StoreSync sync, RefreshMetrics metrics) {
        this.audit = audit;
        this.sync = sync;
        this.metrics = metrics;
    }

    void connected(String connection, Grant grant, String actor, String via) {
        LOG.infof("Connection %s is connected to Keap account %s (grant version %d, via %s)",
                connection, grant.tenant(), grant.version(), via);
        record(actor, "oauth.connected", connection, "tenant=" + grant.tenant() + " via=" + via);
        announce();
    }

    void refreshed(String connection, Grant grant, String actor) {
        LOG.infof("Refreshed the Keap token of connection %s (grant version %d, access token expires %s)",
                connection, grant.version(), grant.accessTokenExpiresAt());
        metrics.count(connection, "success");
        record(actor, "oauth.refreshed", connection, "expires_at=" + grant.accessTokenExpiresAt());
        announce();
    }

    /** Reported once per lost grant: only the replica whose version-checked write succeeds calls this. */
    void needsReauth(String connection, Grant grant) {
        LOG.errorf("Keap refused the refresh token of connection %s (%s): the connection needs re-authorization "
                + "(POST /admin/connections/%s/authorize)", connection, grant.reason(), connection);
        metrics.count(connection, "needs_reauth");
        record(GATEWAY, "oauth.needs_reauth", connection, grant.reason());
        announce();
    }

    /** A refresh that settled nothing (Keap unreachable, throttled, or refusing the client); retried later. */
    void refreshFailed(String connection, String why) {
        LOG.warnf("Refreshing the Keap token of connection %s failed: %s", connection, why);
        metrics.count(connection, "failed");
    }

    void forgotten(String connection, String actor) {
        LOG.infof("Forgot the Keap tokens of connection %s", connection);
        record(actor, "oauth.forgotten", connection, null);
        announce();
    }

    /** A pair Keap issued lost to a newer grant (forgotten, or re-connected) while its refresh was out. */
    void discarded(String connection, Grant pair, Grant winner) {
        String detail = "version=" + pair.version() + " replaced_by=" + (winner == null ? "none"
                : winner.version() + " (" + winner.state() + ")");
        LOG.warnf("Discarded the refreshed grant of connection %s: the grant it was refreshed from was replaced "
                + "while Keap answered (%s)", connection, detail);
        record(GATEWAY, "oauth.discarded", connection, detail);
    }

    void writtenBack(String connection, Grant grant) {
        LOG.warnf("The store had lost (or held an older copy of) the grant of connection %s; wrote back version %d "
                + "from this replica's memory", connection, grant.version());
        record(GATEWAY, "oauth.written_back", connection, "version=" + grant.version());
    }

    private void record(String actor, String action, String connection, String detail) {
        try {
            audit.record(actor, action, connection, detail);
        } catch (RuntimeException e) {
            LOG.warnf("Could not audit %s of connection %s: %s", action, connection, e.getMessage());
        }
    }

    private void announce() {
        try {
            sync.announce();
        } catch (RuntimeException e) {
            // Other replicas then learn of the change when they next need a token, or at their next check.
            LOG.warnf("Could not announce a grant change to the other replicas: %s", e.getMessage());
        }
    }
}
