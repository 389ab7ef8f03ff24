package io.keapgateway.resilience;

import io.keapgateway.error.GatewayException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request's place in its key's in-flight count, its pass through its connection's circuit breaker (as the
 * probe when the circuit is half-open) and, once it is about to be sent, its place in the connection's
 * bulkhead. The proxy reports what Keap did once, and releases at the end of the exchange, whatever
 * happened; both are idempotent.
 */
public final class Admission {

    private final CircuitBreaker breaker;
    private final boolean probe;
    private final InFlight key;
    private final InFlight bulkhead;
    private final int bulkheadSize;
    private final String connection;
    private final AtomicBoolean boarded = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();

    Admission(CircuitBreaker breaker, boolean probe, InFlight key, InFlight bulkhead, int bulkheadSize,
            String connection) {
        this.breaker = breaker;
        this.probe = probe;
        this.key = key;
        this.bulkhead = bulkhead;
        this.bulkheadSize = bulkheadSize;
        this.connection = connection;
    }

    /**
     * Takes a place among the requests in flight to Keap.
     *
     * @throws GatewayException 503 {@code upstream_unavailable} when the connection's bulkhead is full
     */
    public void board() {
        if (!bulkhead.tryEnter(bulkheadSize)) {
            throw UpstreamGuards.refused(503, java.time.Duration.ofSeconds(1),
                    "Too many requests are waiting on Keap for connection '" + connection + "'.");
        }
        boarded.set(true);
    }

    /** Keap's response headers arrived: a 5xx counts as a failure of Keap, anything else as a success. */
    public void keapAnswered(int status) {
        if (reported.compareAndSet(false, true)) {
            if (status >= 500) {
                breaker.failed(probe);
            } else {
                breaker.succeeded(probe);
            }
        }
    }

    /** Keap could not be reached, or went silent past the response timeout. */
    public void keapFailed() {
        if (reported.compareAndSet(false, true)) {
            breaker.failed(probe);
        }
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
