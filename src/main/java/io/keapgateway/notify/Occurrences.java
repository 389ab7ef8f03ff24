package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreNames;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Decides which conditions are announced and which are cleared, once across all replicas.
 *
 * <p>A condition is announced by the replica whose {@code SET NX} of its occurrence succeeds; every replica
 * that sees it says so in the condition's reporters (with the time), and it is cleared once no replica has
 * reported it for {@link #stale} (three checks): the replica that then takes the occurrence (GETDEL) sends
 * the message that it cleared. So a condition one replica sees (an open circuit) stays open while it does,
 * a replica that lags behind the others cannot clear it early, and a dead replica's report lapses.
 *
 * <p>{@link NotifyEvent.Reach#REPLICA} conditions (Redis lost) are decided in this replica's memory. Store
 * calls block: this runs on the watch's worker thread only.
 */
@ApplicationScoped
class Occurrences {

    /** A change to announce: a condition opened ({@code finding} set) or cleared. */
    record Change(String id, NotifyEvent event, String subject, Finding finding) {
        boolean opened() {
            return finding != null;
        }
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Occurrences.class);

    private final Store store;
    private final Duration repeatAfter;
    private final Duration stale;
    private final String replica = UUID.randomUUID().toString();
    /** Conditions this replica reported, so that it withdraws its report when they clear here. */
    private final Set<String> reportedHere = new HashSet<>();
    /** {@link NotifyEvent.Reach#REPLICA} conditions announced by this replica: condition to occurrence id. */
    private final Map<String, String> openHere = new java.util.HashMap<>();

    Occurrences(Store store, GatewayConfig config) {
        this.store = store;
        this.repeatAfter = config.notifications().repeatAfter();
        this.stale = config.notifications().checkInterval().multipliedBy(3);
    }

    /**
     * The changes since the last check, given what this replica sees now.
     *
     * @param seen the conditions active (long enough) here
     * @param checked the events whose detectors answered: a condition of another event is neither opened nor
     *                cleared this time
     */
    synchronized List<Change> update(Collection<Finding> seen, Set<NotifyEvent> checked, Instant now) {
        List<Change> changes = new ArrayList<>();
        updateReplicaConditions(seen, checked, changes);
        try {
            updateSharedConditions(seen, checked, now, changes);
        } catch (RuntimeException e) {
            // The store did not answer: shared conditions wait for the next check (this replica's own are sent).
            LOG.debugf("Shared notification state not readable: %s", e.toString());
        }
        return changes;
    }

    private void updateSharedConditions(Collection<Finding> seen, Set<NotifyEvent> checked, Instant now,
            List<Change> changes) {
        Set<String> seenKeys = new HashSet<>();
        for (Finding finding : seen) {
            if (finding.event().reach() != NotifyEvent.Reach.SHARED) {
                continue;
            }
            String condition = finding.key();
            seenKeys.add(condition);
            store.mapPut(StoreNames.notifyReporters(condition), replica, Long.toString(now.toEpochMilli()));
            reportedHere.add(condition);
            store.mapPut(StoreNames.NOTIFY_OPEN, condition, finding.event().wireName());
            String id = UUID.randomUUID().toString();
            if (store.putIfAbsent(StoreNames.notifyOccurrence(condition), id, repeatAfter)) {
                changes.add(new Change(id, finding.event(), finding.subject(), finding));
            }
        }
        for (String condition : store.mapEntries(StoreNames.NOTIFY_OPEN).keySet()) {
            if (!seenKeys.contains(condition)) {
                clearIfNobodySeesIt(condition, checked, now).ifPresent(changes::add);
            }
        }
    }

    private java.util.Optional<Change> clearIfNobodySeesIt(String condition, Set<NotifyEvent> checked, Instant now) {
        int colon = condition.indexOf(':');
        NotifyEvent event;
        try {
            event = NotifyEvent.ofWireName(condition.substring(0, colon));
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            store.mapRemove(StoreNames.NOTIFY_OPEN, condition); // written by another version of the gateway
            return java.util.Optional.empty();
        }
        if (!checked.contains(event)) {
            return java.util.Optional.empty();
        }
        String reporters = StoreNames.notifyReporters(condition);
        if (reportedHere.remove(condition)) {
            store.mapRemove(reporters, replica);
        }
        Map<String, String> reports = store.mapEntries(reporters);
        long freshSince = now.minus(stale).toEpochMilli();
        if (reports.values().stream().anyMatch(at -> parse(at) > freshSince)) {
            return java.util.Optional.empty(); // another replica still sees it
        }
        var taken = store.take(StoreNames.notifyOccurrence(condition));
        store.mapRemove(StoreNames.NOTIFY_OPEN, condition);
        reports.keySet().forEach(dead -> store.mapRemove(reporters, dead));
        return taken.map(id -> new Change(id, event, condition.substring(colon + 1), null));
    }

    private void updateReplicaConditions(Collection<Finding> seen, Set<NotifyEvent> checked, List<Change> changes) {
        Set<String> seenHere = new HashSet<>();
        for (Finding finding : seen) {
            if (finding.event().reach() == NotifyEvent.Reach.REPLICA) {
                seenHere.add(finding.key());
                if (!openHere.containsKey(finding.key())) {
                    String id = UUID.randomUUID().toString();
                    openHere.put(finding.key(), id);
                    changes.add(new Change(id, finding.event(), finding.subject(), finding));
                }
            }
        }
        openHere.entrySet().removeIf(open -> {
            NotifyEvent event = NotifyEvent.ofWireName(open.getKey().substring(0, open.getKey().indexOf(':')));
            if (seenHere.contains(open.getKey()) || !checked.contains(event)) {
                return false;
            }
            changes.add(new Change(open.getValue(), event, open.getKey().substring(open.getKey().indexOf(':') + 1), null));
            return true;
        });
    }

    private static long parse(String millis) {
        try {
            return Long.parseLong(millis);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
