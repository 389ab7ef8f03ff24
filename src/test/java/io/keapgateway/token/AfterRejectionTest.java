package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.ConnectionService;
import io.keapgateway.connection.Credential;
import io.keapgateway.connection.Mode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the proxy gets after Keap answered 401 ({@code AccessTokens.afterRejection}): one refresh shared by
 * every request that saw the same token rejected. Drives the beans directly (the 401 replay is the proxy's).
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class AfterRejectionTest {

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
        String name = "rejected-" + UUID.randomUUID().toString().substring(0, 8);
        connections.put(name, new ConnectionService.Credentials(Mode.oauth, FakeKeapResource.CLIENT_ID,
                FakeKeapResource.CLIENT_SECRET, null), "test");
        connection = registry.find(name).orElseThrow();
        flows.adoptRefreshToken(connection, keap.seedGrant(FakeKeapResource.CLIENT_ID), "test");
    }

    @AfterEach
    void forget() {
        keap.setTokenLatency(Duration.ZERO);
        flows.forget(connection, "test");
    }

    @Test
    void requestsThatSawTheSameTokenRejectedShareOneRefresh() {
        Credential rejected = custody.current(connection).await().atMost(Duration.ofSeconds(5));
        keap.setTokenLatency(Duration.ofMillis(300)); // long enough for every caller to join the one refresh
        int refreshes = keap.refreshCalls();

        List<Uni<Credential>> replays = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            replays.add(custody.afterRejection(connection, rejected));
        }
        List<Credential> answers = Uni.join().all(replays).andFailFast().await().atMost(Duration.ofSeconds(10));

        assertEquals(refreshes + 1, keap.refreshCalls());
        assertEquals(1, Set.copyOf(answers).size(), "all replay with the same new token");
        Credential renewed = answers.get(0);
        assertNotEquals(rejected, renewed);
        // A request that saw the old token rejected after the refresh just gets the current one.
        assertEquals(renewed, custody.afterRejection(connection, rejected).await().atMost(Duration.ofSeconds(5)));
        assertEquals(renewed, custody.current(connection).await().atMost(Duration.ofSeconds(5)));
        assertEquals(refreshes + 1, keap.refreshCalls());
    }
}
