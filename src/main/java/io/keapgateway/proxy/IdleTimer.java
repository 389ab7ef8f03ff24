package io.keapgateway.proxy;

import io.vertx.core.Vertx;

/**
 * Gives up on one side of an exchange that makes no progress for too long: a client whose body stops
 * flowing, or a client that stops reading the answer. It only counts while {@link #watch() watching} (not
 * while the gateway itself holds the stream back), and uses one timer at a time, re-armed lazily, so that
 * progress costs no timer. Used on one event loop only.
 */
final class IdleTimer {

    private final Vertx vertx;
    private final long idleNanos;
    private final Runnable onIdle;
    private long lastProgress = System.nanoTime();
    private boolean watching;
    private boolean over;
    private long timer = -1;

    IdleTimer(Vertx vertx, long idleMillis, Runnable onIdle) {
        this.vertx = vertx;
        this.idleNanos = idleMillis * 1_000_000;
        this.onIdle = onIdle;
    }

    /** Starts (or resumes) counting silence, from now. */
    void watch() {
        watching = true;
        lastProgress = System.nanoTime();
        if (timer < 0 && !over) {
            arm(idleNanos);
        }
    }

    /** The watched side moved: silence counts from now. */
    void progress() {
        lastProgress = System.nanoTime();
    }

    /** The gateway holds the watched side back (waiting on the other side): its silence does not count. */
    void suspend() {
        watching = false;
    }

    /** The exchange is over. */
    void cancel() {
        over = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void arm(long nanos) {
        timer = vertx.setTimer(Math.max(1, nanos / 1_000_000), id -> fired());
    }

    private void fired() {
        timer = -1;
        if (over || !watching) {
            return; // watch() arms again when counting resumes
        }
        long silent = System.nanoTime() - lastProgress;
        if (silent >= idleNanos) {
            over = true;
            onIdle.run();
        } else {
            arm(idleNanos - silent);
        }
    }
}
