package io.keapgateway.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Repeats an observation until it shows what a test waits for, failing at a deadline: for the few things
 * that happen a little later by design (a window passing, a report shared once a second, a replica
 * reconnecting), which a test can observe but not be told about.
 */
final class Polling {

    private Polling() {
    }

    /**
     * Observes every {@code interval} until {@code done} holds; answers every observation, the one that
     * satisfied {@code done} last.
     */
    static <T> List<T> until(String what, Duration timeout, Duration interval, Supplier<T> observe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(timeout);
        List<T> seen = new ArrayList<>();
        while (true) {
            T observed = observe.get();
            seen.add(observed);
            if (done.test(observed)) {
                return seen;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what
                        + "; last observed: " + describe(observed));
            }
            pause(interval);
        }
    }

    /** Waits between two observations of something that has no event to wait on. */
    static void pause(Duration interval) {
        try {
            Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while polling", e);
        }
    }

    private static String describe(Object observed) {
        if (observed instanceof java.net.http.HttpResponse<?> response) {
            return response.statusCode() + " " + response.body();
        }
        return String.valueOf(observed);
    }
}
