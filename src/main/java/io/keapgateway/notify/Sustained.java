package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * "For N minutes": holds a finding back until this replica has seen it in every check for its event's
 * duration ({@code keap-gateway.notify.*-for}); a check without it starts the count again.
 */
final class Sustained {

    private final Map<NotifyEvent, Duration> durations;
    private final Map<String, Instant> firstSeen = new HashMap<>();

    Sustained(GatewayConfig.Notify settings) {
        this.durations = Map.of(
                NotifyEvent.REFRESH_FAILING, settings.refreshFailingFor(),
                NotifyEvent.CIRCUIT_OPEN, settings.circuitOpenFor(),
                NotifyEvent.REDIS_UNREACHABLE, settings.redisUnreachableFor());
    }

    /** The findings seen long enough; forgets the ones not seen now (unless their detector failed). */
    synchronized List<Finding> due(Collection<Finding> found, java.util.Set<NotifyEvent> checked, Instant now) {
        Map<String, Instant> still = new HashMap<>();
        firstSeen.forEach((condition, since) -> {
            if (!checked.contains(NotifyEvent.ofWireName(condition.substring(0, condition.indexOf(':'))))) {
                still.put(condition, since);
            }
        });
        List<Finding> due = new ArrayList<>();
        for (Finding finding : found) {
            Instant since = firstSeen.getOrDefault(finding.key(), now);
            still.put(finding.key(), since);
            if (!now.isBefore(since.plus(duration(finding.event())))) {
                due.add(finding);
            }
        }
        firstSeen.clear();
        firstSeen.putAll(still);
        return due;
    }

    /** How long {@code event} must last; zero for conditions announced as soon as they are seen. */
    Duration duration(NotifyEvent event) {
        return durations.getOrDefault(event, Duration.ZERO);
    }
}
