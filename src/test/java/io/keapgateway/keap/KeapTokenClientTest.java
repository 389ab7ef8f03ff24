package io.keapgateway.keap;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The token client against the fake Keap, called the way custody calls it: subscribed on a worker thread,
 * from a request's duplicated Vert.x context. Each refresh rotates the grant, so an answer whose body got
 * lost is a grant lost. The loss it guards against was seen only on a loaded machine (CI's OAuthReplayTest:
 * Content-Length 173, 0 bytes read); this test did not reproduce it before the fix, so it shows that calls
 * from worker threads work and chain, not that the race is gone.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeapTokenClientTest {

    private static final int CHAINS = 4;
    private static final int CALLS_PER_CHAIN = 50;

    @Inject
    KeapTokenClient client;

    @Inject
    Vertx vertx;

    @Test
    void everyRotatedPairArrivesWhenCalledFromWorkerThreads() throws Exception {
        FakeKeap keap = FakeKeapResource.fake();
        keap.clear();
        int before = keap.refreshCalls();
        List<CompletableFuture<String>> chains = new ArrayList<>();
        for (int chain = 0; chain < CHAINS; chain++) {
            CompletableFuture<String> last = new CompletableFuture<>();
            String first = keap.seedGrant(FakeKeapResource.CLIENT_ID);
            VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext())
                    .runOnContext(v -> refreshInTurn(first, CALLS_PER_CHAIN).subscribe().with(last::complete,
                            last::completeExceptionally));
            chains.add(last);
        }
        for (CompletableFuture<String> chain : chains) {
            assertThat(chain.get(120, TimeUnit.SECONDS)).isNotBlank();
        }
        assertThat(keap.refreshCalls() - before).isEqualTo(CHAINS * CALLS_PER_CHAIN);
    }

    /** {@code calls} refreshes, each with the refresh token the one before it was given, each from a worker. */
    private Uni<String> refreshInTurn(String refreshToken, int calls) {
        if (calls == 0) {
            return Uni.createFrom().item(refreshToken);
        }
        return Uni.createFrom().item(refreshToken).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(token -> client.refresh(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET, token))
                .ifNoItem().after(Duration.ofSeconds(20)).fail()
                .flatMap(pair -> refreshInTurn(pair.refreshToken(), calls - 1));
    }
}
