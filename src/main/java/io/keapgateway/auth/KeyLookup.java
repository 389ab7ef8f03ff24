package io.keapgateway.auth;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreNames;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Finds the key of a well-formed id: in memory ({@link KeyRegistry}), or else by reading that one key from
 * the store, so that a key made or rotated on another replica a moment ago works here at its very first
 * request. Reads are single-flight per id (one in flight, every caller waits for it). Both kinds of read
 * are bounded by {@code keap-gateway.keys.unknown-id-window}, so that guessing costs Redis at most one read
 * per id and window: an id the store does not know is remembered as unknown, and an id whose presented
 * secret did not match even the stored key is not read again for a mismatch within the window.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
class KeyLookup {

    private static final Logger LOG = Logger.getLogger(KeyLookup.class);
    /** Most ids remembered per window; past it that memory is cleared (a flood of guesses costs reads, not heap). */
    private static final int MAX_UNKNOWN = 10_000;

    private final KeyRegistry registry;
    private final Store store;
    private final Documents documents;
    private final Vertx vertx;
    private final Clock clock;
    private final Duration unknownWindow;
    private final Map<String, CompletableFuture<Optional<ActiveKey>>> reading = new ConcurrentHashMap<>();
    private final Map<String, Instant> unknownUntil = new ConcurrentHashMap<>();
    /** Known ids read again for a secret that did not match, until when no further read is made for them. */
    private final Map<String, Instant> rereadUntil = new ConcurrentHashMap<>();

    KeyLookup(KeyRegistry registry, Store store, Documents documents, Vertx vertx, Clock clock,
            GatewayConfig config) {
        this.registry = registry;
        this.store = store;
        this.documents = documents;
        this.vertx = vertx;
        this.clock = clock;
        this.unknownWindow = config.keys().unknownIdWindow();
    }

    /**
     * What this replica can tell of {@code id} without the store: the key, {@link #NONE} when the store did not
     * know it a moment ago, or null when only the store can tell.
     */
    Optional<ActiveKey> known(String id) {
        Optional<ActiveKey> known = registry.find(id);
        if (known.isPresent()) {
            return known;
        }
        Instant until = unknownUntil.get(id);
        return until != null && until.isAfter(clock.instant()) ? NONE : null;
    }

    /** No such key. */
    static final Optional<ActiveKey> NONE = Optional.empty();

    /**
     * Whether a known id presented with a secret that did not match may be read from the store again (it may
     * have been rotated on another replica a moment ago): not when it was read for that within the window.
     */
    boolean mayReread(String id) {
        Instant until = rereadUntil.get(id);
        return until == null || !until.isAfter(clock.instant());
    }

    /**
     * Notes that a secret presented for {@code id} did not match the key even as the store has it now: a
     * guess, not a rotation this replica had not seen yet, so the id is not read again for that within the
     * window.
     */
    void mismatched(String id) {
        remember(rereadUntil, id);
    }

    /**
     * The key of {@code id} as the store has it now (or as this replica holds it, when that is newer), or
     * empty when there is none (or the store cannot tell now).
     */
    Uni<Optional<ActiveKey>> fromStore(String id) {
        Uni<Optional<ActiveKey>> read = Uni.createFrom().completionStage(reading(id));
        Context caller = Vertx.currentContext();
        return caller == null ? read : read.emitOn(task -> caller.runOnContext(v -> task.run()));
    }

    private CompletableFuture<Optional<ActiveKey>> reading(String id) {
        CompletableFuture<Optional<ActiveKey>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<ActiveKey>> running = reading.putIfAbsent(id, mine);
        if (running != null) {
            return running;
        }
        vertx.executeBlocking(() -> read(id), false).onComplete(result -> {
            reading.remove(id);
            mine.complete(result.succeeded() ? result.result() : Optional.empty());
        });
        return mine;
    }

    // On a worker thread: the store blocks.
    private Optional<ActiveKey> read(String id) {
        try {
            Optional<ActiveKey> key = store.mapGet(StoreNames.KEYS, id)
                    .map(document -> ActiveKey.of(documents.read(document, KeyRecord.class)));
            key.ifPresentOrElse(registry::remember, () -> remember(unknownUntil, id));
            return key.isPresent() ? registry.find(id) : key;
        } catch (RuntimeException e) {
            // Not remembered as unknown: the store could not tell. The key is refused for now.
            LOG.debugf("Key %s could not be read from the store: %s", id, e.getMessage());
            return Optional.empty();
        }
    }

    private void remember(Map<String, Instant> window, String id) {
        if (window.size() >= MAX_UNKNOWN) {
            window.clear();
        }
        window.put(id, clock.instant().plus(unknownWindow));
    }
}
