package io.keapgateway.soak;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Faults on a random schedule drawn from the run's seed: one every 4 to 12 s, each chosen among the replica,
 * Redis and Keap faults of issue 23, with its own random duration, so that faults overlap as they do in
 * production. The schedule (what, when, how long) follows from the seed alone; how the system meets it does
 * not, which is why every fault is written to the timeline with the moment it began and ended.
 */
final class Faults {

    /** One injected fault, for the report. */
    record Fault(String kind, String target, Instant began, Instant ended, String detail) {
        boolean covers(Instant from, Instant to) {
            return !began.isAfter(to) && (ended == null || !ended.isBefore(from));
        }
    }

    /** Fault kinds that can invalidate an access token or force a new grant: each allows one more refresh. */
    static final List<String> TOKEN_INVALIDATING = List.of("keap-401", "grant-reconnect");

    private final SoakRig rig;
    private final Random random;
    private final Instant start;
    private final List<Fault> timeline = new ArrayList<>();
    private final ExecutorService recoveries = Executors.newCachedThreadPool(daemon("soak-recovery"));
    private volatile boolean stopped;

    Faults(SoakRig rig, long seed, Instant start) {
        this.rig = rig;
        this.random = new Random(seed);
        this.start = start;
    }

    /** Injects faults until {@code end}; blocking. */
    void run(Instant end) throws InterruptedException {
        while (!stopped) {
            Thread.sleep(4_000 + random.nextInt(8_001));
            if (!Instant.now().isBefore(end)) {
                return;
            }
            inject(random.nextInt(rig.sentinel() ? 14 : 15));
        }
    }

    private void inject(int choice) {
        int replica = random.nextInt(SoakRig.REPLICAS);
        Duration hold = Duration.ofMillis(1_000 + random.nextInt(5_001));
        int count = 1 + random.nextInt(5);
        switch (choice) {
            case 0 -> replicaFault("replica-sigkill", replica, hold);
            case 1 -> replicaFault("replica-sigstop", replica, hold);
            case 2 -> replicaFault("replica-sigterm", replica, hold);
            case 3 -> redisFault(rig.sentinel() ? "redis-failover" : "redis-sigkill-restart-with-data", hold);
            case 4 -> redisFault(rig.sentinel() ? "redis-flushall" : "redis-restart-empty", hold);
            case 5 -> redisFault("redis-flushall", hold);
            case 6 -> keapFault("keap-5xx", hold, () -> rig.keap.failWith(503), rig.keap::recover);
            case 7 -> keapFault("keap-429 x" + count, Duration.ZERO, () -> rig.keap.rejectNextWith429(count), () -> { });
            case 8 -> keapFault("keap-401 x" + count, Duration.ZERO, () -> rig.keap.rejectNextWith401(count), () -> { });
            case 9 -> keapFault("keap-slow-token", hold.multipliedBy(2),
                    () -> rig.keap.setTokenLatency(Duration.ofMillis(1_000 + random.nextInt(3_001))),
                    () -> rig.keap.setTokenLatency(Duration.ZERO));
            case 10 -> keapFault("keap-slow", hold, () -> rig.keap.setApiLatency(Duration.ofMillis(500 + random.nextInt(2_001))),
                    rig.keap::recover);
            case 11 -> keapFault("keap-reset x" + count, Duration.ZERO, () -> rig.keap.resetNextApiCalls(count), () -> { });
            case 12 -> replicaFault("replica-sigkill", replica, hold);
            case 13 -> replicaFault("replica-sigstop", replica, hold);
            default -> redisFault("redis-down", hold);
        }
    }

    private void replicaFault(String kind, int replica, Duration hold) {
        // Never all at once: a fault on the last replica serving waits for the next draw.
        if (!rig.serving(replica) || rig.serving().size() < 2) {
            return;
        }
        Fault fault = began(kind, "replica " + replica, hold + "");
        recoveries.submit(() -> {
            try {
                var process = rig.process(replica);
                rig.unavailable(replica);
                switch (kind) {
                    case "replica-sigkill" -> process.kill();
                    case "replica-sigterm" -> {
                        process.terminate();
                        process.awaitExit(Duration.ofSeconds(60));
                    }
                    default -> process.freeze();
                }
                Thread.sleep(hold.toMillis());
                if (kind.equals("replica-sigstop")) {
                    process.thaw();
                    rig.available(replica);
                } else {
                    rig.start(replica);
                }
                ended(fault, "");
            } catch (Exception e) {
                ended(fault, "recovery failed: " + e);
            }
            return null;
        });
    }

    private void redisFault(String kind, Duration hold) {
        Fault fault = began(kind, "redis", hold + "");
        recoveries.submit(() -> {
            try {
                switch (kind) {
                    case "redis-sigkill-restart-with-data" -> {
                        rig.server().kill();
                        Thread.sleep(hold.toMillis());
                        rig.server().start();
                    }
                    case "redis-restart-empty" -> {
                        rig.server().stopAndForget();
                        Thread.sleep(hold.toMillis());
                        rig.server().start();
                    }
                    case "redis-down" -> {
                        rig.server().stop();
                        Thread.sleep(hold.toMillis());
                        rig.server().start();
                    }
                    case "redis-failover" -> rig.failOver();
                    default -> rig.flushAll();
                }
                ended(fault, "");
            } catch (Exception e) {
                ended(fault, "failed: " + e);
            }
            return null;
        });
    }

    private void keapFault(String kind, Duration hold, Runnable begin, Runnable end) {
        Fault fault = began(kind, "keap", hold.isZero() ? "" : hold + "");
        begin.run();
        recoveries.submit(() -> {
            Thread.sleep(hold.toMillis());
            end.run();
            ended(fault, "");
            return null;
        });
    }

    /** A fault the admin driver makes itself (a grant forgotten and reconnected), for the timeline. */
    Fault record(String kind, String target) {
        return began(kind, target, "");
    }

    synchronized Fault began(String kind, String target, String detail) {
        Fault fault = new Fault(kind, target, Instant.now(), null, detail);
        timeline.add(fault);
        System.out.printf("SOAK fault at %.1f s: %s %s %s%n", seconds(fault.began()), kind, target, detail);
        return fault;
    }

    synchronized void ended(Fault fault, String note) {
        int index = timeline.indexOf(fault);
        if (index >= 0) {
            timeline.set(index, new Fault(fault.kind(), fault.target(), fault.began(), Instant.now(),
                    note.isEmpty() ? fault.detail() : fault.detail() + " " + note));
        }
    }

    synchronized List<Fault> timeline() {
        return List.copyOf(timeline);
    }

    /** Whether a fault whose kind starts with {@code kind} overlapped the moments {@code from} to {@code to}. */
    synchronized boolean during(String kind, Instant from, Instant to) {
        return timeline.stream().anyMatch(f -> f.kind().startsWith(kind) && f.covers(from, to));
    }

    /** Stops injecting and waits for every recovery (replicas restarted, Redis and Keap back). */
    void stopAndRecover() throws InterruptedException {
        stopped = true;
        recoveries.shutdown();
        recoveries.awaitTermination(3, TimeUnit.MINUTES);
        rig.keap.recover();
        rig.keap.setTokenLatency(Duration.ZERO);
    }

    double seconds(Instant at) {
        return Duration.between(start, at).toMillis() / 1000.0;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
