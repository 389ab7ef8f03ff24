package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * On SIGTERM (a rollout, a scale-down, a node drain), the custody of this replica is drained before anything
 * closes: a renewal in flight is not an HTTP request, so the graceful shutdown does not wait for it, and a pair
 * Keap issued that the store did not take yet exists only here. Ending the process (or closing Vert.x, which
 * cuts the token call: seen at {@link ShutdownEvent}, too late) would lose a pair Keap already rotated to
 * (docs/oauth.md, rule 2), and block the other replicas behind its exchange record. So the observer of
 * {@link ShutdownDelayInitiatedEvent}, the first step of Quarkus' shutdown, waits until no connection is busy,
 * at most {@code shutdown-drain} after SIGTERM; the shutdown delay and the wait for requests in flight follow.
 * What is still held at exit is logged at ERROR, by connection.
 */
@ApplicationScoped
class CustodyDrain {

    private static final Logger LOG = Logger.getLogger(CustodyDrain.class);
    private static final long POLL_MILLIS = 100;

    private final TokenSlots slots;
    private final Clock clock;
    private final Duration budget;

    CustodyDrain(TokenSlots slots, Clock clock, GatewayConfig config) {
        this.slots = slots;
        this.clock = clock;
        this.budget = config.oauth().shutdownDrain();
    }

    /** SIGTERM: blocks the shutdown (Vert.x, the store and the token client still work) until drained. */
    void drain(@Observes @Priority(Integer.MAX_VALUE) ShutdownDelayInitiatedEvent event) {
        Instant deadline = clock.instant().plus(budget);
        Set<String> busy = slots.busy();
        if (!busy.isEmpty()) {
            LOG.infof("Shutting down: waiting until %s for the custody of %s (a refresh in flight or a pair not "
                    + "saved yet)", deadline, busy);
        }
        while (!busy.isEmpty() && clock.instant().isBefore(deadline)) {
            try {
                Thread.sleep(POLL_MILLIS); // the shutdown thread has nothing else to do; slots offer no signal
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            busy = slots.busy();
        }
    }

    /** The process ends: names what it still holds (also when the shutdown had no delay, as in dev mode). */
    void atExit(@Observes @Priority(1) ShutdownEvent event) {
        for (String connection : slots.busy()) {
            Grant unsaved = slots.of(connection).unsaved();
            if (unsaved != null) {
                LOG.errorf("Exiting with the grant of connection %s (version %d) not saved: Keap rotated to it and the "
                        + "store never took it; the connection will need a new authorization", connection,
                        unsaved.version());
            } else {
                LOG.errorf("Exiting while the token of connection %s is being refreshed: if Keap answers, its pair "
                        + "is lost and the connection may need a new authorization", connection);
            }
        }
    }
}
