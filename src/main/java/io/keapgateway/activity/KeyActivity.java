package io.keapgateway.activity;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The last {@code keap-gateway.activity.kept} proxied requests of each key (default 1000), and its requests
 * and denials per hour of the current and previous UTC day, for the console. A request is only noted in
 * memory (no store call on the request's path); every {@code keap-gateway.activity.flush-interval} (default
 * 1 s) the noted requests are written to the store, one capped list and one map of hourly counts per key. A
 * replica that crashes loses what it noted since its last write; one that shuts down writes it first.
 */
@Startup // a kept count out of range stops the start, not the first request
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class KeyActivity {

    /** The bounds of {@code keap-gateway.activity.kept}: enough to page through, small enough to read whole. */
    public static final int MIN_KEPT = 100;
    public static final int MAX_KEPT = 10_000;
    /** Hourly counts live two days: today's are complete until the end of the UTC day, whatever the hour. */
    private static final Duration HOURS_KEPT = Duration.ofDays(2);

    private static final Logger LOG = Logger.getLogger(KeyActivity.class);

    /**
     * One proxied request as the console shows it.
     *
     * @param path the path without its query (a query may carry data the operator need not see)
     * @param keapLatencyMs from sending to Keap until Keap's response head arrived; null when the gateway
     *        answered itself (a denial)
     */
    @RegisterForReflection
    public record Request(Instant at, String method, String path, int status, Long keapLatencyMs) {

        /** Refused by the gateway itself (scope, address, expiry, limits), without asking Keap. */
        public boolean denied() {
            return keapLatencyMs == null && status >= 400 && status < 500;
        }
    }

    /** One hour of a key's day: its requests, and how many of them the gateway refused itself. */
    @RegisterForReflection
    public record Hour(Instant hour, long requests, long denied) {
    }

    private record Noted(String keyId, Request request) {
    }

    private final Store store;
    private final Documents documents;
    private final Clock clock;
    private final int pendingLimit;
    private final int kept;
    private final Queue<Noted> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();

    KeyActivity(Store store, Documents documents, Clock clock, GatewayConfig config) {
        this.store = store;
        this.documents = documents;
        this.clock = clock;
        this.pendingLimit = config.activity().pendingLimit();
        this.kept = config.activity().kept();
        if (kept < MIN_KEPT || kept > MAX_KEPT) {
            throw new IllegalStateException("keap-gateway.activity.kept must be from " + MIN_KEPT + " to " + MAX_KEPT
                    + "; it is " + kept + ".");
        }
    }

    /** Requests kept per key. */
    public int kept() {
        return kept;
    }

    /** Notes one answered request of {@code keyId}; cheap enough for the event loop. */
    public void note(String keyId, String method, String path, int status, Long keapLatencyMs) {
        pending.offer(new Noted(keyId, new Request(clock.instant(), method, path, status, keapLatencyMs)));
        if (pendingCount.incrementAndGet() > pendingLimit && pending.poll() != null) {
            pendingCount.decrementAndGet(); // a flood between two writes: keep the newest
        }
    }

    /**
     * Every kept request of the key, newest first, as written by every replica. Replicas write in batches, so
     * the list is ordered by time here (a stable sort: requests of the same instant keep the list's order).
     */
    public List<Request> recent(String keyId) {
        List<Request> requests = new ArrayList<>(store.first(list(keyId), kept).stream()
                .map(doc -> documents.read(doc, Request.class)).toList());
        requests.sort(Comparator.comparing(Request::at).reversed());
        return requests;
    }

    /** The key's requests and denials for each hour of today (UTC) so far, oldest first. */
    public List<Hour> today(String keyId) {
        Instant now = clock.instant();
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Map<String, String> counts = store.mapEntries(hours(keyId, day));
        int hoursSoFar = now.atOffset(ZoneOffset.UTC).getHour() + 1;
        List<Hour> hours = new ArrayList<>(hoursSoFar);
        for (int hour = 0; hour < hoursSoFar; hour++) {
            hours.add(new Hour(day.atTime(hour, 0).toInstant(ZoneOffset.UTC), count(counts, "r" + hour),
                    count(counts, "d" + hour)));
        }
        return hours;
    }

    private static long count(Map<String, String> counts, String field) {
        String value = counts.get(field);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Scheduled(every = "${keap-gateway.activity.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void flush() {
        Map<String, Map<String, Long>> hourly = new LinkedHashMap<>();
        Map<String, List<String>> batch = drain(hourly);
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.pushCappedAll(batch, kept);
            store.addToCounts(hourly, HOURS_KEPT);
        } catch (RuntimeException e) {
            LOG.debugf("key activity not written (store unavailable): %s", e.getMessage());
        }
    }

    void flushOnShutdown(@Observes ShutdownEvent event) {
        flush();
    }

    /**
     * What was noted so far, by store list, oldest first, at most {@link #kept} per key; {@code hourly} gets
     * the counts of every drained request, by map of hourly counts.
     */
    private Map<String, List<String>> drain(Map<String, Map<String, Long>> hourly) {
        Map<String, Deque<Request>> byKey = new LinkedHashMap<>();
        int noted = pendingCount.get(); // what is noted meanwhile waits for the next write
        for (int i = 0; i < noted; i++) {
            Noted next = pending.poll();
            if (next == null) {
                break;
            }
            pendingCount.decrementAndGet();
            Request request = next.request();
            Map<String, Long> counts = hourly.computeIfAbsent(
                    hours(next.keyId(), LocalDate.ofInstant(request.at(), ZoneOffset.UTC)), map -> new HashMap<>());
            int hour = request.at().atOffset(ZoneOffset.UTC).getHour();
            counts.merge("r" + hour, 1L, Long::sum);
            if (request.denied()) {
                counts.merge("d" + hour, 1L, Long::sum);
            }
            Deque<Request> requests = byKey.computeIfAbsent(next.keyId(), id -> new ArrayDeque<>());
            requests.addLast(next.request());
            if (requests.size() > kept) {
                requests.removeFirst();
            }
        }
        Map<String, List<String>> batch = new LinkedHashMap<>();
        byKey.forEach((keyId, requests) -> {
            List<String> docs = new ArrayList<>(requests.size());
            requests.forEach(request -> docs.add(documents.write(request)));
            batch.put(list(keyId), docs);
        });
        return batch;
    }

    /** The store list of a key; the braces keep each key's list in one Redis Cluster slot of its own. */
    static String list(String keyId) {
        return "activity:{" + keyId + "}";
    }

    /** The store map of a key's hourly counts of one UTC day: fields {@code r<hour>} and {@code d<hour>}. */
    static String hours(String keyId, LocalDate day) {
        return "activity-hours:{" + keyId + "}:" + day;
    }
}
