package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.IntFunction;

/**
 * Keeps the limiter off the per-request round trip. When Redis allows a request it also reserves a small
 * batch of the key's and the connection's buckets for this replica ({@code limiter.lua}'s wanted batch);
 * the next requests of that key spend the batch here, without asking Redis. When Redis denies, the denial
 * holds until the bucket refills, and the requests until then are denied here, also without asking.
 *
 * <p>Exactness: every key and connection starts with batches of one (exactly one script call per request,
 * as without batching); a batch spent in full before it expires doubles the next, one that expires with
 * requests left halves it. A batch is at most {@code max}, at most a key's burst / (2 × replicas), and what a
 * replica holds of a connection is at most its burst / (2 × replicas): all replicas together hold less than
 * half a burst of any limit, so the limits stay within one burst of exact. A key with a small burst takes
 * batches of one. What a batch did not spend within {@code lifetime} is handed back to Redis, and the
 * requests denied here are counted there, by {@link #settle} (every second).
 */
final class Batches {

    /** Hands a batch's leftovers back and counts local denials (a script call). */
    interface Settler {
        Uni<Void> settle(String connection, String keyId, EffectiveLimits limits, long unused, long denied, long day);
    }

    private final int max;
    private final long lifetimeMillis;
    private final Map<String, Allowance> allowances = new ConcurrentHashMap<>();
    private final Map<String, Pace> connections = new ConcurrentHashMap<>();

    Batches(int max, long lifetimeMillis) {
        this.max = Math.max(1, max);
        this.lifetimeMillis = Math.max(1, lifetimeMillis);
    }

    /**
     * Decides one request: from what this replica holds or knows, at once and on the caller's thread, or by
     * asking Redis through {@code reserve} (given the batch size) when it must, completing through
     * {@code caller} (its Vert.x context; null to complete on whichever thread Redis answered on). Requests of
     * one key that arrive while a reservation is under way wait for it rather than send their own. Fails with
     * Redis's failure (the caller then decides locally).
     */
    Uni<Verdict> decide(String connection, String keyId, EffectiveLimits limits, int replicas, long now,
            IntFunction<Uni<Reservation>> reserve, Executor caller) {
        Pace pace = pace(connection);
        while (true) {
            Allowance allowance = allowance(connection, keyId);
            int batch;
            CompletableFuture<Verdict> wait;
            synchronized (allowance) {
                if (allowance.retired) {
                    continue; // removed by settle() meanwhile: take the fresh one
                }
                Verdict known = fromHeld(allowance, pace, limits, now);
                if (known != null) {
                    return Uni.createFrom().item(known);
                }
                if (allowance.reserving) {
                    wait = new CompletableFuture<>();
                    allowance.waiting.add(wait);
                    batch = 0;
                } else {
                    allowance.reserving = true;
                    wait = null;
                    batch = allowance.nextBatch(cap(limits, replicas, pace), now, lifetimeMillis);
                }
            }
            Uni<Verdict> later = wait != null
                    ? Uni.createFrom().completionStage(wait).onItem().ifNull()
                            .switchTo(() -> decide(connection, keyId, limits, replicas, now, reserve, null))
                    : reserve.apply(batch)
                            .onItem().transform(reserved -> reserved(allowance, pace, reserved, now))
                            .onFailure().invoke(failure -> failed(allowance, failure));
            return caller == null ? later : later.emitOn(caller);
        }
    }

    /**
     * {@link #decide} when this replica can tell at once (it holds some of a batch, or knows a denial): no
     * Redis call, nothing to wait for; null when Redis must be asked.
     */
    Verdict decideNow(String connection, String keyId, EffectiveLimits limits, long now) {
        Pace pace = pace(connection);
        while (true) {
            Allowance allowance = allowance(connection, keyId);
            synchronized (allowance) {
                if (!allowance.retired) {
                    return fromHeld(allowance, pace, limits, now);
                }
            }
        }
    }

    private Pace pace(String connection) {
        Pace pace = connections.get(connection);
        return pace != null ? pace : connections.computeIfAbsent(connection, name -> new Pace());
    }

    private Allowance allowance(String connection, String keyId) {
        String name = connection + '\n' + keyId;
        Allowance allowance = allowances.get(name);
        return allowance != null ? allowance : allowances.computeIfAbsent(name, ignored -> new Allowance(connection, keyId));
    }

    /** Under the allowance's lock: a denial known until later, or a request of the batch held; else null. */
    private static Verdict fromHeld(Allowance allowance, Pace pace, EffectiveLimits limits, long now) {
        allowance.lastUsed = now;
        allowance.limits = limits;
        Verdict known = pace.denial(now);
        if (known == null) {
            known = allowance.denial(now);
        }
        if (known != null) {
            allowance.pendingDenied++;
            return known;
        }
        allowance.expire(now, pace);
        return allowance.held > 0 ? allowance.spend(pace) : null;
    }

    /**
     * What this replica holds of a key's counts, as a {@link Usage}: requests reserved in Redis but not sent,
     * and requests denied here but not yet counted in Redis.
     */
    Usage pending(String connection, String keyId) {
        Allowance allowance = allowances.get(connection + '\n' + keyId);
        if (allowance == null) {
            return Usage.NONE;
        }
        synchronized (allowance) {
            return new Usage(allowance.held + allowance.unused, allowance.pendingDenied);
        }
    }

    /**
     * Hands back what expired batches did not spend and counts the local denials in Redis; forgets keys idle
     * for a while. What cannot be settled now (Redis down) is tried again at the next call.
     */
    Uni<Void> settle(long now, Settler settler) {
        List<Uni<Void>> calls = new ArrayList<>();
        for (Iterator<Allowance> it = allowances.values().iterator(); it.hasNext(); ) {
            Allowance allowance = it.next();
            long unused;
            long denied;
            long day;
            synchronized (allowance) {
                allowance.expire(now, connections.get(allowance.connection));
                unused = allowance.unused;
                denied = allowance.pendingDenied;
                day = allowance.day;
                allowance.unused = 0;
                allowance.pendingDenied = 0;
                if (unused == 0 && denied == 0 && allowance.idle(now, lifetimeMillis)) {
                    allowance.retired = true;
                    it.remove();
                }
            }
            if (unused > 0 || denied > 0) {
                calls.add(settler.settle(allowance.connection, allowance.keyId, allowance.limits, unused, denied, day)
                        .onFailure().invoke(failure -> {
                            synchronized (allowance) {
                                allowance.unused += unused;
                                allowance.pendingDenied += denied;
                            }
                        })
                        .onFailure().recoverWithNull());
            }
        }
        return calls.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(calls).andCollectFailures().replaceWithVoid();
    }

    /** The largest batch a request may ask for now. */
    private int cap(EffectiveLimits limits, int replicas, Pace pace) {
        long share = 2L * Math.max(1, replicas);
        long keyCap = limits.keyBurst() / share;
        long connectionCap;
        synchronized (pace) {
            connectionCap = limits.connectionBurst() / share - pace.held;
        }
        return (int) Math.max(1, Math.min(max, Math.min(keyCap, connectionCap)));
    }

    private Verdict reserved(Allowance allowance, Pace pace, Reservation reserved, long now) {
        List<CompletableFuture<Verdict>> waiting;
        List<Verdict> answers = new ArrayList<>();
        synchronized (allowance) {
            allowance.reserving = false;
            waiting = List.copyOf(allowance.waiting);
            allowance.waiting.clear();
            Verdict verdict = reserved.verdict();
            if (!verdict.allowed()) {
                Denial denial = new Denial(verdict, now + Math.max(0, verdict.retryMillis()));
                if (connectionWide(verdict)) {
                    synchronized (pace) {
                        pace.denial = denial;
                    }
                } else {
                    allowance.denial = denial;
                }
                allowance.pendingDenied += waiting.size(); // the one that asked was counted by the script
                waiting.forEach(waiter -> answers.add(verdict));
            } else {
                allowance.hold(reserved, now + lifetimeMillis, pace);
                for (int i = 0; i < waiting.size(); i++) {
                    answers.add(allowance.held > 0 ? allowance.spend(pace) : null); // null: ask again
                }
            }
        }
        for (int i = 0; i < waiting.size(); i++) {
            waiting.get(i).complete(answers.get(i));
        }
        return reserved.verdict().allowed() ? reserved.forRequest(1) : reserved.verdict();
    }

    private static void failed(Allowance allowance, Throwable failure) {
        List<CompletableFuture<Verdict>> waiting;
        synchronized (allowance) {
            allowance.reserving = false;
            waiting = List.copyOf(allowance.waiting);
            allowance.waiting.clear();
        }
        waiting.forEach(waiter -> waiter.completeExceptionally(failure));
    }

    /** A denial for every key of the connection: its own pace and day, or Keap's throttling. */
    private static boolean connectionWide(Verdict verdict) {
        return switch (verdict.limit()) {
            case "connection", "connection_daily" -> true;
            case "keap" -> verdict.denial() == ErrorCode.RATE_LIMITED; // a quota gate depends on the key's priority
            default -> false;
        };
    }

    /** What Redis denied, and until when (local clock) the same request would be denied again. */
    private record Denial(Verdict verdict, long until) {

        Verdict at(long now) {
            long left = until - now;
            return left <= 0 ? null : new Verdict(false, verdict.limit(), verdict.denial(), left, verdict.quota(),
                    verdict.windowSeconds(), 0, left);
        }
    }

    /**
     * A connection as this replica holds it: requests reserved by all of its keys, and a connection-wide
     * denial. Kept for the process's life (one per connection).
     */
    private static final class Pace {
        long held; // guarded by this
        Denial denial; // guarded by this

        synchronized Verdict denial(long now) {
            return denial == null ? null : denial.at(now);
        }

        synchronized void add(long requests) {
            held += requests;
        }

    }

    /** One key on one connection: its batch, its denial, and what is still to settle. All guarded by this. */
    private static final class Allowance {
        final String connection;
        final String keyId;
        EffectiveLimits limits;
        Reservation reservation;
        int spent; // requests of the current batch sent, the one that asked included
        int held; // requests of the current batch not yet sent
        long expiresAt;
        long day;
        int batch = 1;
        long reservedAt = Long.MIN_VALUE / 2;
        boolean spentInTime;
        long unused; // requests of expired batches, to hand back
        long pendingDenied; // requests denied here, to count in Redis
        Denial denial;
        boolean reserving;
        final List<CompletableFuture<Verdict>> waiting = new ArrayList<>(0);
        long lastUsed;
        boolean retired;

        Allowance(String connection, String keyId) {
            this.connection = connection;
            this.keyId = keyId;
        }

        Verdict denial(long now) {
            return denial == null ? null : denial.at(now);
        }

        /**
         * The size of the next batch: doubled when the last one was spent in full within half its lifetime (a
         * steady stream), never above {@code cap}. Sporadic requests keep batches of one.
         */
        int nextBatch(int cap, long now, long lifetimeMillis) {
            if (spentInTime && now - reservedAt < lifetimeMillis / 2) {
                batch *= 2;
            }
            spentInTime = false;
            reservedAt = now;
            batch = Math.max(1, Math.min(batch, cap));
            return batch;
        }

        /** Keeps a new batch, its first request taken by the one that asked. */
        void hold(Reservation reserved, long expiry, Pace pace) {
            reservation = reserved;
            spent = 1;
            held = reserved.granted() - 1;
            expiresAt = expiry;
            day = reserved.day();
            if (held == 0) {
                spentInTime = reserved.granted() >= batch;
            } else {
                pace.add(held);
            }
        }

        Verdict spend(Pace pace) {
            held--;
            spent++;
            pace.add(-1);
            if (held == 0) {
                spentInTime = true;
            }
            return reservation.forRequest(spent);
        }

        /** A batch past its lifetime is not spent any more: what is left goes back to Redis, the next is smaller. */
        void expire(long now, Pace pace) {
            if (held > 0 && now >= expiresAt) {
                unused += held;
                if (pace != null) {
                    pace.add(-held);
                }
                held = 0;
                batch = Math.max(1, batch / 2);
                spentInTime = false;
            }
        }

        boolean idle(long now, long lifetimeMillis) {
            return held == 0 && !reserving && waiting.isEmpty() && (denial == null || denial.until <= now)
                    && now - lastUsed > 10 * lifetimeMillis;
        }
    }
}
