package io.keapgateway.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review finding L-h: a code exchange whose save fails is answered 503, and its grant is saved in the
 * background once the store answers. An operator who forgets the tokens meanwhile (on another replica) must
 * not have that forget undone by the background save. Made deterministic by freezing the replica that holds
 * the unsaved grant until the forget is stored. Before the fix the background save replaced the tombstone
 * and the connection was connected again.
 */
class CodeExchangeSaveRetryIT {

    private RedisServerProcess server;
    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        Replicas.closeOn(server, replicas);
    }

    @Test
    void aForgetAfterACodeExchangeWhoseSaveFailedIsNotUndoneByTheBackgroundSave() throws Exception {
        server = RedisServerProcess.startDurableOnFreePort();
        replicas = new Replicas(2, Map.of("KEAP_GATEWAY_OAUTH_REFRESH_CHECK_INTERVAL", "1h",
                "KEAP_GATEWAY_OAUTH_SAVE_RETRY_BACKOFF", "1s"), server.uri());
        replicas.adoptGrant();
        replicas.issueKeyKnownEverywhere(0);
        GatewayProcess exchanging = replicas.gateways.get(0);

        server.stop();
        String redirect = replicas.url(0) + "/oauth/callback";
        String code = replicas.keap.issueAuthorizationCode(FakeKeapResource.CLIENT_ID, redirect);
        HttpResponse<String> connect = replicas.client.admin("POST", replicas.url(0)
                + "/admin/connections/default/tokens", "{\"code\":\"" + code + "\",\"redirect_uri\":\"" + redirect + "\"}");
        assertEquals(503, connect.statusCode(), connect.body());
        assertTrue(connect.body().contains("\"store_unavailable\""), connect.body());
        assertTrue(connect.body().contains("saving them is being retried"), "the answer says the code was exchanged: "
                + connect.body());

        exchanging.freeze(); // its background save waits until the forget below is stored
        try {
            server.start();
            HttpResponse<String> forget = replicas.client.admin("DELETE",
                    replicas.url(1) + "/admin/connections/default/tokens", null);
            assertEquals(204, forget.statusCode(), forget.body());
        } finally {
            exchanging.thaw();
        }

        Replicas.awaitTrue("replica 0's background save ran", Duration.ofSeconds(30),
                () -> logsOf(exchanging).contains("was not saved after all") || storedState().contains("connected"));
        assertTrue(storedState().contains("\"forgotten\""), "the forget stands: " + storedState());
        for (int i = 0; i < 2; i++) {
            int replica = i;
            Replicas.awaitTrue("replica " + i + " is disconnected", Duration.ofSeconds(10),
                    () -> "disconnected".equals(replicas.status(replicas.url(replica)).get("status").asText()));
        }
        replicas.assertNoSecretLeaked();
    }

    private String storedState() {
        try {
            String document = replicas.redis.hget(replicas.prefix + "token:default", "value");
            int at = document.indexOf("\"state\"");
            return at < 0 ? "" : document.substring(at, Math.min(document.length(), at + 30));
        } catch (IllegalStateException notYet) {
            return "";
        }
    }

    private static String logsOf(GatewayProcess gateway) {
        try {
            return gateway.logs();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
