package io.keapgateway.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Decides in this process alone while Redis is unreachable, with the same rules as {@code limiter.lua}:
 * all limits are checked, then all charged or none. Callers pass this replica's share of each limit.
 * Counts start from zero when local mode begins: what Redis held cannot be read.
 */
final class LocalLimiter {

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

    /**
     * Decides one request at {@code now} (epoch ms) against {@code limits} and Keap's last known
     * {@code gate} (null when unknown).
     */
    synchronized Verdict decide(String connection, String keyId, EffectiveLimits limits, long now, KeapGate gate) {
        long day = day(now);
        long toMidnight = (day + 1) * Candidate.DAY_MS - now;
        State key = state(keys, keyName(connection, keyId), day);
        State pace = state(connections, connection, day);
        double keyTat = Math.max(key.tat, now) + 1000.0 / limits.keyRate();
        double paceTat = Math.max(pace.tat, now) + 1000.0 / limits.connectionRate();

        List<Candidate> candidates = new ArrayList<>(5);
        candidates.add(Candidate.bucket("key", keyTat, now, limits.keyRate(), limits.keyBurst()));
        if (limits.keyDaily() > 0) {
            candidates.add(Candidate.daily("key_daily", key.used, limits.keyDaily(), toMidnight));
        }
        candidates.add(Candidate.bucket("connection", paceTat, now, limits.connectionRate(), limits.connectionBurst()));
        if (limits.connectionDaily() > 0) {
            candidates.add(Candidate.daily("connection_daily", pace.used, limits.connectionDaily(), toMidnight));
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
