package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.ConnectionService;
import io.keapgateway.connection.Mode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, the dead refresh token the chaos soak found: a replica takes the lease and reads grant version N,
 * then stalls (SIGSTOP, a long GC pause) past its lease. Another replica refreshes N, saves N+1 and drops the
 * exchange record of N. The stalled one goes on: the record of N is free, so before the fix it claimed it and
 * sent N's refresh token, which Keap had rotated away (the grant survived: after Keap's invalid_grant it found
 * N+1 in the store). Here the stall is made deterministic by running the second replica's whole refresh
 * between the stalled one's read and its claim.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class StalledHolderTest {

    @Inject
    LeaseHolder holder;
    @Inject
    RefreshLease lease;
    @Inject
    GrantReconciler reconciler;
    @Inject
    TokenCustody custody;
    @Inject
    ConnectFlows flows;
    @Inject
    ConnectionService connections;
    @Inject
    ConnectionRegistry registry;

    private FakeKeap keap;
    private Connection connection;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.fake();
        String name = "stalled-" + UUID.randomUUID().toString().substring(0, 8);
        connections.put(name, new ConnectionService.Credentials(Mode.oauth, FakeKeapResource.CLIENT_ID,
                FakeKeapResource.CLIENT_SECRET, null), "test");
        connection = registry.find(name).orElseThrow();
        flows.adoptRefreshToken(connection, keap.seedGrant(FakeKeapResource.CLIENT_ID), "test");
    }

    @AfterEach
    void forget() {
        flows.forget(connection, "test");
    }

    @Test
    void aHolderThatStalledAfterReadingTheGrantDoesNotSendItsUsedRefreshToken() {
        String name = connection.name();
        RefreshLease.Held stalled = lease.tryAcquire(name).orElseThrow();
        Grant read = reconciler.reconcile(name); // version N, read under the lease
        lease.release(stalled); // ... which lapses while the replica is frozen

        int refreshesBefore = keap.refreshCalls();
        int reusesBefore = keap.refreshTokenReuses().size(); // the fake is shared: other tests replay tokens on purpose
        custody.refreshNow(connection, "test"); // another replica refreshes N: N+1 saved, N's record dropped
        assertEquals(refreshesBefore + 1, keap.refreshCalls());

        Throwable outcome = holder.refreshRead(connection, Need.forced(read.version(), "test"), stalled, read)
                .onItem().transform(grant -> (Throwable) null)
                .onFailure().recoverWithItem(failure -> failure)
                .await().atMost(Duration.ofSeconds(10));

        assertEquals(refreshesBefore + 1, keap.refreshCalls(), "the stalled replica sent N's refresh token again");
        assertEquals(reusesBefore, keap.refreshTokenReuses().size(), "a refresh token reached Keap twice");
        // It waits for the newer grant instead (Renewal turns this into HolderWait, which finds N+1 stored).
        assertInstanceOf(LeaseHolder.ExchangeInProgress.class, outcome);
        assertEquals("connected", custody.status(name).status());
        assertTrue(reconciler.reconcile(name).version() > read.version());
    }
}
