package io.keapgateway.resilience;

import java.util.concurrent.atomic.AtomicInteger;

/** A counter of requests in flight that refuses, rather than queues, past its maximum (a bulkhead). */
final class InFlight {

    private final AtomicInteger count = new AtomicInteger();

    /** Takes a place if fewer than {@code max} are taken. */
    boolean tryEnter(int max) {
        while (true) {
            int now = count.get();
            if (now >= max) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives a place back; answers how many remain taken. */
    int leave() {
        return count.decrementAndGet();
    }

    int count() {
        return count.get();
    }
}
