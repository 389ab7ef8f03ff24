package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-JVM single flight: one renewal per connection at a time, however many callers need one. */
class TokenSlotTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final TokenSlot slot = new TokenSlot(clock);

    /**
     * With context propagation on the class path (Quarkus tests share this JVM), Mutiny's first use registers a
     * provider lazily, and threads racing to do it fail; so the first use happens here, on one thread.
     */
    @BeforeAll
    static void initialiseMutinyOnce() {
        Uni.createFrom().deferred(() -> Uni.createFrom().item(1)).await().indefinitely();
    }

    @Test
    void concurrentCallersShareOneRenewal() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicReference<UniEmitter<? super Grant>> pending = new AtomicReference<>();
        ExecutorService callers = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        // Every caller asks before the renewal ends: one that asked after would rightly start the next one.
        CountDownLatch joined = new CountDownLatch(100);
        List<CompletableFuture<Grant>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            results.add(CompletableFuture.supplyAsync(() -> {
                await(go);
                Uni<Grant> renewal = slot.renew(() -> Uni.createFrom().emitter(emitter -> {
                    started.incrementAndGet();
                    pending.set(emitter);
                }), true);
                joined.countDown();
                return renewal;
            }, callers).thenCompose(TokenSlotTest::outcome));
        }
        go.countDown();
        assertTrue(joined.await(10, TimeUnit.SECONDS), "all callers asked");
        Replicas.awaitTrue("the renewal started", Duration.ofSeconds(5), () -> pending.get() != null);
        Grant renewed = grant(2);
        pending.get().complete(renewed);

        for (CompletableFuture<Grant> result : results) {
            assertSame(renewed, result.get(10, TimeUnit.SECONDS));
        }
        callers.shutdown();
        assertEquals(1, started.get());
        assertSame(renewed, slot.grant());
    }

    @Test
    void theNextRenewalStartsAfreshAndOnlyNewerGrantsAreKept() {
        slot.adopt(grant(5));
        slot.renew(() -> Uni.createFrom().item(grant(4)), true).await().indefinitely();
        assertEquals(5, slot.grant().version(), "an older result does not replace a newer grant");
        assertEquals(6, slot.renew(() -> Uni.createFrom().item(grant(6)), true).await().indefinitely().version());
        assertEquals(6, slot.grant().version());
    }

    @Test
    void aFailedRenewalIsAnsweredFromMemoryForAMomentInsteadOfCallingAgain() {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException keapDown = new IllegalStateException("token endpoint down");
        Uni<Grant> failing = Uni.createFrom().failure(keapDown);
        assertThrows(IllegalStateException.class, () -> slot.renew(() -> {
            calls.incrementAndGet();
            return failing;
        }, true).await().indefinitely());
        assertThrows(IllegalStateException.class, () -> slot.renew(() -> {
            calls.incrementAndGet();
            return failing;
        }, true).await().indefinitely());
        assertEquals(1, calls.get(), "backed off");
        slot.renew(() -> {
            calls.incrementAndGet();
            return Uni.createFrom().item(grant(1));
        }, false).await().indefinitely();
        assertEquals(2, calls.get(), "an operator's refresh does not wait for the back-off");
    }

    @Test
    void anUnsavedPairIsServedUntilSavedAndDroppedOnlyForAGrantAtLeastAsNew() {
        slot.adopt(grant(7));
        Grant unsaved = grant(8);
        assertEquals(true, slot.holdUnsaved(unsaved));

        assertSame(unsaved, slot.grant(), "the pair Keap issued is served at once");
        assertEquals(7, slot.stored().version(), "a write-back never writes the unsaved pair");
        slot.adopt(grant(7));
        assertSame(unsaved, slot.grant(), "re-reading the older stored grant keeps it");

        slot.saved(unsaved, unsaved);
        assertSame(unsaved, slot.stored());

        Grant next = grant(9);
        slot.holdUnsaved(next);
        Grant tombstone = grant(9); // a forget stored under the same version wins over the unsaved pair
        slot.adopt(tombstone);
        assertSame(tombstone, slot.grant());
        assertEquals(null, slot.unsaved());
        assertEquals(false, slot.holdUnsaved(grant(9)), "a pair no newer than the stored grant is not held");
    }

    /** Subscribes plainly (a completion stage from Mutiny would bring in context propagation, meant for Quarkus). */
    private static CompletableFuture<Grant> outcome(Uni<Grant> renewal) {
        CompletableFuture<Grant> outcome = new CompletableFuture<>();
        renewal.subscribe().with(outcome::complete, outcome::completeExceptionally);
        return outcome;
    }

    private static Grant grant(long version) {
        return new Grant(version, GrantState.connected, "access-" + version, "refresh-" + version,
                NOW.plus(Duration.ofHours(24)), NOW, "xy123.infusionsoft.com", null);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
