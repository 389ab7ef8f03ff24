package io.keapgateway.resilience;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request's place in its key's in-flight count, its pass through its connection's circuit breaker and,
 * once it is about to be sent, its place in the connection's bulkhead. Admitted half-open, it becomes the
 * probe only when it is about to be sent whole ({@link #sendingWhole()}), so a client's slow or abandoned
 * upload never holds the probe. The proxy reports what Keap did once, and releases at the end of the
 * exchange, whatever happened; both are idempotent. Failures of the client's side are never reported.
 */
public final class Admission {

    private final CircuitBreaker breaker;
    private final boolean candidate;
    private volatile boolean probe;
    private volatile boolean claimed;
    private final InFlight key;
    private final InFlight bulkhead;
    private final int bulkheadSize;
    private final String connection;
    private final AtomicBoolean boarded = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();

    Admission(CircuitBreaker breaker, boolean candidate, InFlight key, InFlight bulkhead, int bulkheadSize,
            String connection) {
        this.breaker = breaker;
        this.candidate = candidate;
        this.key = key;
        this.bulkhead = bulkhead;
        this.bulkheadSize = bulkheadSize;
        this.connection = connection;
    }

    /**
     * Takes a place among the requests in flight to Keap.
     *
     * @throws GatewayException 503 {@code upstream_unavailable} when the connection's bulkhead is full, or
     *         400 when the exchange is already over (its client went away while it was being admitted)
     */
    public void board() {
        if (released.get()) {
            // Released first, a place taken now would never be given back: 100 clients closing at the right
            // moment would fill the bulkhead for good.
            throw gone();
        }
        if (!bulkhead.tryEnter(bulkheadSize)) {
            throw UpstreamGuards.refused(503, java.time.Duration.ofSeconds(1),
                    "Too many requests are waiting on Keap for connection '" + connection + "'.");
        }
        boarded.set(true);
    }

    /**
     * The request is about to be sent whole to Keap (its body, if any, all read from the client). Admitted
     * half-open, it becomes the probe here if no other request is; a repeat call (the replay) changes nothing.
     *
     * @throws GatewayException 503 {@code upstream_unavailable} when another request is the probe, or the
     *         circuit opened again meanwhile
     */
    public void sendingWhole() {
        if (released.get()) {
            throw gone(); // a probe claimed now would never be reported: the circuit would stay half-open
        }
        if (!candidate || claimed || reported.get()) {
            return; // closed when admitted, already decided, or Keap already answered
        }
        CircuitBreaker.Pass pass = breaker.claimProbe();
        if (!pass.allowed()) {
            throw UpstreamGuards.refused(503, pass.retryAfter(),
                    "Keap is failing for connection '" + connection + "'; the gateway is not sending to it for now.");
        }
        probe = pass.probe();
        claimed = true;
    }

    /**
     * Keap's response headers arrived. Only 502, 503 and 504 count as a failure of Keap: a 500 or 501 is
     * Keap's answer to this one request, which a client can provoke at will.
     */
    public void keapAnswered(int status) {
        if (reported.compareAndSet(false, true)) {
            if (status == 502 || status == 503 || status == 504) {
                breaker.failed(probe);
            } else {
                breaker.succeeded(probe);
            }
        }
    }

    /**
     * Keap could not be reached, reset or closed the connection, or went silent past the response timeout.
     * Never called for a failure of the client's side (it closed, reset its stream, or stalled its upload).
     */
    public void keapFailed() {
        if (reported.compareAndSet(false, true)) {
            breaker.failed(probe);
        }
    }

    private static GatewayException gone() {
        return new GatewayException(ErrorCode.BAD_REQUEST,
                "The client went away before its request was sent.");
    }

    /** The exchange is over (answered, refused or cut off): frees the places taken. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            if (reported.compareAndSet(false, true)) {
                breaker.abandoned(probe);
            }
            if (boarded.get()) {
                bulkhead.leave();
            }
            if (key != null) {
                key.leave();
            }
        }
    }
}
