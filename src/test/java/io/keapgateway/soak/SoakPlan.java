package io.keapgateway.soak;

import java.time.Duration;
import java.util.Locale;

/**
 * What one soak run does: how long, from which seed, on which Redis. Read from system properties, so that the
 * short form (SoakIT) and the long form (`Soak`'s main, see docs/soak.md) share one definition.
 *
 * @param duration   how long faults and traffic run (the settling and the final checks come after)
 * @param seed       the seed of the fault schedule and of the admin changes: a run is replayed from it
 * @param topology   {@code standalone} (one redis-server) or {@code sentinel} (a primary, a replica, a Sentinel)
 * @param lifetimes  the access-token lifetimes Keap gives, one after the other, each for an equal share of the run
 */
record SoakPlan(Duration duration, long seed, String topology, Duration[] lifetimes) {

    static final String STANDALONE = "standalone";
    static final String SENTINEL = "sentinel";

    static SoakPlan fromSystemProperties(Duration defaultDuration, long defaultSeed) {
        Duration duration = Duration.ofSeconds(Long.getLong("soak.seconds", defaultDuration.toSeconds()));
        long seed = Long.getLong("soak.seed", defaultSeed);
        String topology = System.getProperty("soak.topology", STANDALONE).toLowerCase(Locale.ROOT);
        if (!topology.equals(STANDALONE) && !topology.equals(SENTINEL)) {
            throw new IllegalArgumentException("soak.topology must be standalone or sentinel: " + topology);
        }
        return new SoakPlan(duration, seed, topology, new Duration[] {Duration.ofSeconds(20), Duration.ofSeconds(90)});
    }

    /** The lifetime Keap gives at {@code elapsed} into the run. */
    Duration lifetimeAt(Duration elapsed) {
        long share = duration.toMillis() / lifetimes.length;
        int index = (int) Math.min(lifetimes.length - 1, elapsed.toMillis() / Math.max(1, share));
        return lifetimes[index];
    }

    @Override
    public String toString() {
        return "seed " + seed + ", " + duration.toSeconds() + " s, " + topology + " Redis";
    }
}
