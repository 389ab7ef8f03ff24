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
     * @param retryAfter when refused, how long until the next probe may go
     */
    record Pass(boolean allowed, boolean probe, Duration retryAfter) {
        static final Pass THROUGH = new Pass(true, false, Duration.ZERO);
        static final Pass PROBE = new Pass(true, true, Duration.ZERO);
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

    synchronized Pass tryPass() {
        if (state == State.CLOSED) {
            return Pass.THROUGH;
        }
        Instant now = clock.instant();
        if (state == State.OPEN && now.isBefore(openUntil)) {
            return new Pass(false, false, Duration.between(now, openUntil));
        }
        state = State.HALF_OPEN;
        if (probeInFlight) {
            // One probe at a time: the others are refused as if still open, for the probe's worst case.
            return new Pass(false, false, openDuration);
        }
        probeInFlight = true;
        return Pass.PROBE;
    }

    /** Keap answered below 500. */
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

    /** Keap could not be reached, went silent, or answered 5xx. */
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
