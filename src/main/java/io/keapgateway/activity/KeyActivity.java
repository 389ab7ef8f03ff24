package io.keapgateway.activity;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The last {@value #KEPT} proxied requests of each key, for the console. A request is only noted in memory
 * (no store call on the request's path); every {@code keap-gateway.activity.flush-interval} (default 1 s)
 * the noted requests are written to the store, one capped list per key. A replica that crashes loses what
 * it noted since its last write; one that shuts down writes it first.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class KeyActivity {

    /** Requests kept per key. */
    public static final int KEPT = 100;

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
    }

    private record Noted(String keyId, Request request) {
    }

    private final Store store;
    private final Documents documents;
    private final Clock clock;
    private final int pendingLimit;
    private final Queue<Noted> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();

    KeyActivity(Store store, Documents documents, Clock clock, GatewayConfig config) {
        this.store = store;
        this.documents = documents;
        this.clock = clock;
        this.pendingLimit = config.activity().pendingLimit();
    }

    /** Notes one answered request of {@code keyId}; cheap enough for the event loop. */
    public void note(String keyId, String method, String path, int status, Long keapLatencyMs) {
        pending.offer(new Noted(keyId, new Request(clock.instant(), method, path, status, keapLatencyMs)));
        if (pendingCount.incrementAndGet() > pendingLimit && pending.poll() != null) {
            pendingCount.decrementAndGet(); // a flood between two writes: keep the newest
        }
    }

    /** The key's last requests, newest first, as written by every replica. */
    public List<Request> recent(String keyId) {
        return store.first(list(keyId), KEPT).stream().map(doc -> documents.read(doc, Request.class)).toList();
    }

    @Scheduled(every = "${keap-gateway.activity.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void flush() {
        Map<String, List<String>> batch = drain();
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.pushCappedAll(batch, KEPT);
        } catch (RuntimeException e) {
            LOG.debugf("key activity not written (store unavailable): %s", e.getMessage());
        }
    }

    void flushOnShutdown(@Observes ShutdownEvent event) {
        flush();
    }

    /** What was noted so far, by store list, oldest first, at most {@value #KEPT} per key. */
    private Map<String, List<String>> drain() {
        Map<String, Deque<Request>> byKey = new LinkedHashMap<>();
        int noted = pendingCount.get(); // what is noted meanwhile waits for the next write
        for (int i = 0; i < noted; i++) {
            Noted next = pending.poll();
            if (next == null) {
                break;
            }
            pendingCount.decrementAndGet();
            Deque<Request> requests = byKey.computeIfAbsent(next.keyId(), id -> new ArrayDeque<>());
            requests.addLast(next.request());
            if (requests.size() > KEPT) {
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
}
