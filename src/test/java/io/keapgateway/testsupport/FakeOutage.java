package io.keapgateway.testsupport;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

/**
 * Keap having a bad day, for the API surface: answering every call with a 5xx (Apigee's {@code fault}
 * body, as its gateway does when the backend is down), answering slowly, dropping connections without an
 * answer, or hanging without an answer until released.
 * Calls are recorded before this applies, so tests see that a call reached Keap.
 */
final class FakeOutage {

    /** Longest a hung call waits for {@link #release()}: a test that forgets to release must not hang the fake. */
    private static final long LONGEST_HANG_MILLIS = 120_000;

    private volatile int failStatus;
    private volatile Duration latency = Duration.ZERO;
    private final AtomicInteger resetsAhead = new AtomicInteger();
    private boolean hanging;

    /** Every API call waits this long before it is answered (Keap slow, not down); zero for none. */
    void setLatency(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        this.latency = latency;
    }

    /**
     * The next {@code count} API calls get no answer at all: the connection is closed before a status line,
     * as a load balancer in front of Keap dropping it does.
     */
    void resetNext(int count) {
        resetsAhead.set(count);
    }

    /** Every API call answers {@code status} (e.g. 503) until {@link #recover()}. */
    void failWith(int status) {
        failStatus = status;
    }

    void recover() {
        failStatus = 0;
        latency = Duration.ZERO;
        resetsAhead.set(0);
    }

    /** Every API call waits, unanswered, until {@link #release()}. */
    synchronized void hang() {
        hanging = true;
    }

    /** Lets the hung calls (and later ones) go on to their normal answer. */
    synchronized void release() {
        hanging = false;
        notifyAll();
    }

    /** Applies the outage to one call: answers true if it answered the call itself. */
    boolean apply(HttpExchange ex) throws IOException {
        awaitRelease();
        if (!latency.isZero()) {
            FakeTokenEndpoint.pause(latency);
        }
        if (resetsAhead.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return true; // nothing written: closing the exchange closes the connection without an answer
        }
        int status = failStatus;
        if (status == 0) {
            return false;
        }
        FakeHttp.json(ex, status, FakeJson.fault("The Service is temporarily unavailable",
                "messaging.adaptors.http.flow.ServiceUnavailable"));
        return true;
    }

    private synchronized void awaitRelease() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONGEST_HANG_MILLIS);
        try {
            while (hanging && System.nanoTime() < deadline) {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the fake is closing
        }
    }
}
