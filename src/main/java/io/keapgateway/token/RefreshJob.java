package io.keapgateway.token;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Mode;
import io.keapgateway.store.StoreChanged;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Keeps grants alive and in step without waiting for traffic. Every {@code keap-gateway.oauth.refresh-check-interval}
 * each replica reconciles every grant with the store (writing back one the store lost) and refreshes those due:
 * near expiry, or old enough that an idle grant could age out. All replicas run the check; the refresh lease
 * lets one act and the others skip. Whenever the store changes (another replica refreshed, or Redis came back
 * empty) each replica reconciles at once.
 */
@ApplicationScoped
class RefreshJob {

    private static final Logger LOG = Logger.getLogger(RefreshJob.class);

    private final TokenSlots slots;
    private final GrantReconciler reconciler;
    private final TokenCustody custody;
    private final RefreshPolicy policy;
    private final ConnectionRegistry registry;
    private final Clock clock;

    RefreshJob(TokenSlots slots, GrantReconciler reconciler, TokenCustody custody, RefreshPolicy policy,
            ConnectionRegistry registry, Clock clock) {
        this.slots = slots;
        this.reconciler = reconciler;
        this.custody = custody;
        this.policy = policy;
        this.registry = registry;
        this.clock = clock;
    }

    @Scheduled(every = "${keap-gateway.oauth.refresh-check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        for (String name : connections()) {
            try {
                Grant grant = reconciler.reconcile(name);
                Connection connection = registry.find(name).filter(c -> c.mode() == Mode.oauth).orElse(null);
                if (connection != null && grant != null && grant.connected() && policy.due(grant, clock.instant())) {
                    custody.refreshScheduled(connection);
                }
            } catch (RuntimeException e) {
                LOG.warnf("Scheduled token check of connection %s failed: %s", name, e.getMessage());
            }
        }
    }

    /** After the registries reloaded (default observer priority 2500), so that new connections are seen. */
    void reconcile(@Observes @Priority(3000) StoreChanged change) {
        for (String name : connections()) {
            try {
                reconciler.reconcile(name);
            } catch (RuntimeException e) {
                LOG.debugf("Could not reconcile the grant of connection %s: %s", name, e.getMessage());
            }
        }
    }

    /** OAuth connections, plus any grant held in memory even if the store lost its connection record. */
    private Set<String> connections() {
        Set<String> names = new TreeSet<>(slots.held());
        registry.all().stream().filter(c -> c.mode() == Mode.oauth).forEach(c -> names.add(c.name()));
        return names;
    }
}
