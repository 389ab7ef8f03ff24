package io.keapgateway.token;

import io.keapgateway.error.GatewayException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.util.function.Supplier;

/** Runs store calls (which block) on a worker thread, so that no step of custody blocks an event loop. */
final class Blocking {

    private static final int READ_ATTEMPTS = 3;

    private Blocking() {
    }

    static <T> Uni<T> call(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Runs {@code work} (a store write whose outcome needs no answer) on a worker thread. */
    static Uni<Void> run(Runnable work) {
        return call(() -> {
            work.run();
            return null;
        });
    }

    /**
     * A call safe to repeat (a read, or a version-checked write-back), tried again after a store hiccup such
     * as a moment when every pooled Redis connection is busy. Gateway errors are answers and are not retried.
     */
    static <T> Uni<T> repeatable(Supplier<T> work) {
        return call(work)
                .onFailure(failure -> !(failure instanceof GatewayException))
                .retry().withBackOff(Duration.ofMillis(50), Duration.ofMillis(400)).atMost(READ_ATTEMPTS);
    }
}
