package io.keapgateway.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The circuit breaker of one connection. Closed, it lets every request through and counts failures in a
 * row; at the threshold it opens and refuses every request for the open duration; then it lets exactly one
 * probe through (half-open): the probe's success closes it, its failure opens it again.
 *
 * <p>Half-open, requests are admitted as candidates, and the first one whose request is about to be sent
 * whole to Keap becomes the probe ({@link #claimProbe()}); the others are refused then. A client that
 * trickles or abandons its upload therefore never holds the probe: the probe's outcome depends on Keap
 * alone (H-B of the review of 2f31f2e).
 *
 * <p>Written for the proxy's non-blocking path: a request asks {@link #tryPass()} before it is sent and
 * reports its outcome when Keap's response headers (or a transport failure) arrive. Methods are
 * synchronized and tiny: requests of one connection arrive on several event loops. Opening (from closed) is
 * logged once as a WARN, closing again once as an INFO, not every refused request.
 */
final class CircuitBreaker {

    /** The three states; {@link #wireName()} is what the admin API and the metric's docs show. */
    enum State {
        CLOSED, OPEN, HALF_OPEN;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The answer to "may this request go to Keap?".
     *
     * @param allowed whether it may
     * @param probe whether it is the half-open probe (its outcome decides the state)
     * @param candidate whether it was admitted half-open: it must {@link #claimProbe()} before it is sent whole
     * @param retryAfter when refused, how long until the next probe may go
     */
    record Pass(boolean allowed, boolean probe, boolean candidate, Duration retryAfter) {
        static final Pass THROUGH = new Pass(true, false, false, Duration.ZERO);
        static final Pass PROBE = new Pass(true, true, false, Duration.ZERO);
        static final Pass CANDIDATE = new Pass(true, false, true, Duration.ZERO);

        static Pass refused(Duration retryAfter) {
            return new Pass(false, false, false, retryAfter);
        }
    }

    private static final Logger LOG = Logger.getLogger(CircuitBreaker.class);

    private final String connection;
    private final int failureThreshold;
    private final Duration openDuration;
    private final Clock clock;

    private State state = State.CLOSED;
    private int failuresInARow;
    private Instant openUntil = Instant.MIN;
    private boolean probeInFlight;

    CircuitBreaker(String connection, int failureThreshold, Duration openDuration, Clock clock) {
        this.connection = connection;
        this.failureThreshold = failureThreshold;
        this.openDuration = openDuration;
        this.clock = clock;
    }

    /** Whether a request may start (closed), must be refused (open, or a probe is out), or is a candidate. */
    synchronized Pass tryPass() {
        Pass refused = refusal();
        if (refused != null) {
            return refused;
        }
        return state == State.CLOSED ? Pass.THROUGH : Pass.CANDIDATE;
    }

    /**
     * A candidate's request is about to be sent whole: the first to get here half-open becomes the probe;
     * through if the circuit closed meanwhile; refused if it opened again or another probe is out.
     */
    synchronized Pass claimProbe() {
        Pass refused = refusal();
        if (refused != null) {
            return refused;
        }
        if (state == State.CLOSED) {
            return Pass.THROUGH;
        }
        probeInFlight = true;
        return Pass.PROBE;
    }

    /** The refusal for a request now, or null if it may go (closed, or half-open with no probe out). */
    private Pass refusal() {
        if (state == State.CLOSED) {
            return null;
        }
        Instant now = clock.instant();
        if (state == State.OPEN && now.isBefore(openUntil)) {
            return Pass.refused(Duration.between(now, openUntil));
        }
        state = State.HALF_OPEN;
        // One probe at a time: the others are refused as if still open, for the probe's worst case.
        return probeInFlight ? Pass.refused(openDuration) : null;
    }

    /** Keap answered, with anything but 502, 503 or 504. */
    synchronized void succeeded(boolean probe) {
        if (probe || state == State.CLOSED) {
            if (state != State.CLOSED) {
                LOG.infof("Keap answers again for connection '%s': circuit closed", connection);
            }
            state = State.CLOSED;
            failuresInARow = 0;
            probeInFlight = false;
        }
    }

    /** Keap could not be reached, reset or closed the connection, went silent, or answered 502, 503 or 504. */
    synchronized void failed(boolean probe) {
        if (probe) {
            probeInFlight = false;
            open();
        } else if (state == State.CLOSED && ++failuresInARow >= failureThreshold) {
            open();
        }
    }

    /** The probe ended without telling anything about Keap (e.g. the client went away): let another one go. */
    synchronized void abandoned(boolean probe) {
        if (probe) {
            probeInFlight = false;
        }
    }

    synchronized State state() {
        if (state == State.OPEN && !clock.instant().isBefore(openUntil)) {
            return State.HALF_OPEN; // the next request will probe
        }
        return state;
    }

    private void open() {
        if (state == State.CLOSED) {
            LOG.warnf("Keap is failing for connection '%s': circuit open, requests answered 503 locally for %d ms"
                    + " at a time", connection, openDuration.toMillis());
        }
        state = State.OPEN;
        openUntil = clock.instant().plus(openDuration);
        failuresInARow = 0;
    }
}
