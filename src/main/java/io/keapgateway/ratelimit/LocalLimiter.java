package io.keapgateway.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Decides in this process alone while Redis is unreachable, with the same rules as {@code limiter.lua}:
 * all limits are checked, then all charged or none. Callers pass this replica's share of each limit.
 * What Redis held cannot be read then, so the day's counts Redis last answered this replica are kept
 * ({@link #remember}); local mode starts from this replica's share of them, for the same UTC day, rather
 * than from zero (L-c of the review of 2f31f2e: else an outage day could allow twice a daily quota).
 */
final class LocalLimiter {

    /** A day's count of all replicas together, as Redis last answered it. */
    private record Known(long day, long used) {
    }

    /** One bucket and the day's counts; for a key {@code used} is its allowed requests. */
    private static final class State {
        double tat; // theoretical arrival time, epoch ms
        long day; // UTC day number of the counts
        long used;
        long denied;

        void roll(long today) {
            if (day != today) {
                day = today;
                used = 0;
                denied = 0;
            }
        }
    }

    private final Map<String, State> keys = new HashMap<>(); // guarded by this
    private final Map<String, State> connections = new HashMap<>(); // guarded by this
    private final Map<String, Known> knownKeys = new HashMap<>(); // guarded by this
    private final Map<String, Known> knownConnections = new HashMap<>(); // guarded by this

    /**
     * Keeps the day's counts Redis answered for a key and its connection (all replicas, {@code day} on
     * Redis's clock), to start from should Redis become unreachable.
     */
    synchronized void remember(String connection, String keyId, long day, long keyUsed, long connectionUsed) {
        knownKeys.merge(keyName(connection, keyId), new Known(day, keyUsed), LocalLimiter::later);
        knownConnections.merge(connection, new Known(day, connectionUsed), LocalLimiter::later);
    }

    /** {@link #decide(String, String, EffectiveLimits, long, KeapGate, int)} as the only replica. */
    Verdict decide(String connection, String keyId, EffectiveLimits limits, long now, KeapGate gate) {
        return decide(connection, keyId, limits, now, gate, 1);
    }

    /**
     * Decides one request at {@code now} (epoch ms) against {@code limits}, this replica's share of one of
     * {@code replicas}, and Keap's last known {@code gate} (null when unknown). The daily counts start
     * from the share of what Redis last counted today.
     */
    synchronized Verdict decide(String connection, String keyId, EffectiveLimits limits, long now, KeapGate gate,
            int replicas) {
        long day = day(now);
        long toMidnight = (day + 1) * Candidate.DAY_MS - now;
        String keyName = keyName(connection, keyId);
        State key = state(keys, keyName, day);
        State pace = state(connections, connection, day);
        long keyUsed = key.used + share(knownKeys.get(keyName), day, replicas);
        long paceUsed = pace.used + share(knownConnections.get(connection), day, replicas);
        double keyTat = Math.max(key.tat, now) + 1000.0 / limits.keyRate();
        double paceTat = Math.max(pace.tat, now) + 1000.0 / limits.connectionRate();

        List<Candidate> candidates = new ArrayList<>(5);
        candidates.add(Candidate.bucket("key", keyTat, now, limits.keyRate(), limits.keyBurst()));
        if (limits.keyDaily() > 0) {
            candidates.add(Candidate.daily("key_daily", keyUsed, limits.keyDaily(), toMidnight));
        }
        candidates.add(Candidate.bucket("connection", paceTat, now, limits.connectionRate(), limits.connectionBurst()));
        if (limits.connectionDaily() > 0) {
            candidates.add(Candidate.daily("connection_daily", paceUsed, limits.connectionDaily(), toMidnight));
        }
        if (gate != null && gate.limit() > 0 && now < gate.untilMillis()) {
            candidates.add(Candidate.keap(gate, limits.highPriority(), now));
        }

        Verdict verdict = Candidate.choose(candidates);
        if (verdict.allowed()) {
            key.tat = keyTat;
            key.used++;
            pace.tat = paceTat;
            pace.used++;
        } else {
            key.denied++;
        }
        return verdict;
    }

    /** Counts a request denied before any limit was consulted (Keap's block, known to this replica). */
    synchronized void countDenied(String connection, String keyId, long now) {
        state(keys, keyName(connection, keyId), day(now)).denied++;
    }

    /** What this replica counted locally for a key on {@code day}. */
    synchronized Usage usage(String connection, String keyId, long day) {
        State key = keys.get(keyName(connection, keyId));
        return key == null || key.day != day ? Usage.NONE : new Usage(key.used, key.denied);
    }

    /** Drops state that no longer limits anything: counts of an earlier day and full buckets. */
    synchronized void forgetIdle(long now) {
        forgetIdle(keys, now);
        forgetIdle(connections, now);
        long today = day(now);
        knownKeys.values().removeIf(known -> known.day() < today);
        knownConnections.values().removeIf(known -> known.day() < today);
    }

    /** This replica's part of a count of all replicas, rounded up (never less than the fleet used). */
    private static long share(Known known, long day, int replicas) {
        if (known == null || known.day() != day) {
            return 0;
        }
        int n = Math.max(1, replicas);
        return (known.used() + n - 1) / n;
    }

    private static Known later(Known kept, Known answered) {
        return answered.day() > kept.day() || answered.day() == kept.day() && answered.used() >= kept.used()
                ? answered : kept;
    }

    static long day(long epochMillis) {
        return Math.floorDiv(epochMillis, Candidate.DAY_MS);
    }

    private static void forgetIdle(Map<String, State> states, long now) {
        long today = day(now);
        for (Iterator<State> it = states.values().iterator(); it.hasNext(); ) {
            State state = it.next();
            if (state.day != today && state.tat <= now) {
                it.remove();
            }
        }
    }

    private static State state(Map<String, State> states, String name, long day) {
        State state = states.get(name);
        if (state == null) {
            state = new State();
            states.put(name, state);
        }
        state.roll(day);
        return state;
    }

    private static String keyName(String connection, String keyId) {
        return connection + '\n' + keyId; // a newline cannot occur in either name
    }
}
