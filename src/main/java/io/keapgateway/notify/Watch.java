package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.arc.All;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Every {@code check-interval}, on a worker thread of each replica: asks each detector what holds now, holds
 * back what must last N minutes, and sends what opened or cleared. Does nothing while no channel is set.
 */
@ApplicationScoped
class Watch {

    private static final Logger LOG = Logger.getLogger(Watch.class);

    private final List<Detector> detectors;
    private final Occurrences occurrences;
    private final Notifier notifier;
    private final Sustained sustained;
    private final Clock clock;

    Watch(@All List<Detector> detectors, Occurrences occurrences, Notifier notifier, GatewayConfig config, Clock clock) {
        this.detectors = detectors;
        this.occurrences = occurrences;
        this.notifier = notifier;
        this.sustained = new Sustained(config.notifications());
        this.clock = clock;
    }

    @Scheduled(every = "${keap-gateway.notify.check-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        if (!notifier.enabled()) {
            return;
        }
        Instant now = clock.instant();
        List<Finding> found = new ArrayList<>();
        Set<NotifyEvent> checked = EnumSet.noneOf(NotifyEvent.class);
        for (Detector detector : detectors) {
            try {
                found.addAll(detector.findings(now));
                checked.addAll(detector.events());
            } catch (RuntimeException e) {
                // Its conditions stay as they were until a check can read them again.
                LOG.debugf("Notification check %s failed: %s", detector.getClass().getSimpleName(), e.toString());
            }
        }
        List<Finding> due = sustained.due(found, checked, now);
        for (Occurrences.Change change : occurrences.update(due, checked, now)) {
            notifier.send(change.opened()
                    ? notifier.notice(change.id(), change.event(), Notice.Status.FIRING, change.subject(),
                            change.finding().words())
                    : notifier.notice(change.id(), change.event(), Notice.Status.RESOLVED, change.subject(),
                            Texts.resolved(change.event(), change.subject())));
        }
    }
}
