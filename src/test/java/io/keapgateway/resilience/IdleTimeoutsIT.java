package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which timer ends which silence, against the packaged gateway with short timers. The server idle timeout
 * ends a connection the client leaves silent (a kept-alive one nobody uses, an admin body that stops coming),
 * never one on which the gateway owes an answer (Keap slower than the idle timeout, an admin call waiting on
 * a slow token call). A client whose body stops flowing while the gateway reads it whole is answered 400
 * after the client idle timeout.
 */
class IdleTimeoutsIT {

    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(2);
    /** Well past the idle timeout, well within the response timeout (60 s) and the token timeout (30 s). */
    private static final Duration SLOW = IDLE_TIMEOUT.multipliedBy(2).plusSeconds(1);

    private static OneReplica replica;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        replica = new OneReplica(Map.of("QUARKUS_HTTP_IDLE_TIMEOUT", IDLE_TIMEOUT.toSeconds() + "s",
                "KEAP_GATEWAY_PROXY_CLIENT_IDLE_TIMEOUT", CLIENT_IDLE_TIMEOUT.toSeconds() + "s"));
        replica.keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        key = replica.key("drupal", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aKeapAnswerSlowerThanTheIdleTimeoutReachesTheClientOverHttp1AndHttp2() throws Exception {
        replica.keap.hang();
        List<CompletableFuture<HttpResponse<String>>> answers;
        try {
            answers = List.of(send(HttpClient.Version.HTTP_1_1), send(HttpClient.Version.HTTP_2));
            Thread.sleep(SLOW.toMillis());
        } finally {
            replica.keap.release();
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.version() + ": " + response.body()).isEqualTo(200);
        }
        assertThat(answers.get(1).get().version()).isEqualTo(HttpClient.Version.HTTP_2);
    }

    @Test
    void anAdminCallWaitingOnATokenCallSlowerThanTheIdleTimeoutIsAnswered() {
        replica.client.adminJson("PUT", replica.gateway.url() + "/admin/connections/slow", "{\"client_id\":\""
                + FakeKeapResource.CLIENT_ID + "\",\"client_secret\":\"" + FakeKeapResource.CLIENT_SECRET + "\"}", 200);
        replica.keap.setTokenLatency(SLOW);
        try {
            replica.client.adminJson("POST", replica.gateway.url() + "/admin/connections/slow/tokens",
                    "{\"refresh_token\":\"" + replica.keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
        } finally {
            replica.keap.setTokenLatency(Duration.ZERO);
        }
    }

    @Test
    void aKeptAliveConnectionNobodyUsesIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", replica.gateway.port())) {
            socket.setSoTimeout((int) IDLE_TIMEOUT.multipliedBy(5).toMillis());
            write(socket, "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                    + "\r\n\r\n");
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
            long answered = System.nanoTime();
            InputStream in = socket.getInputStream();
            while (read(in) >= 0) {
                // the rest of the answer
            }
            Duration open = Duration.ofNanos(System.nanoTime() - answered);
            assertThat(open).isBetween(IDLE_TIMEOUT.dividedBy(2), IDLE_TIMEOUT.plusSeconds(6));
        }
    }

    @Test
    void anAdminBodyThatStopsIsCutOffAfterTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", replica.gateway.port())) {
            socket.setSoTimeout((int) IDLE_TIMEOUT.multipliedBy(5).toMillis());
            long start = System.nanoTime();
            write(socket, "POST /admin/keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + GatewayProcess.ADMIN_TOKEN + "\r\nContent-Length: 500\r\n\r\n{\"name\":");
            String answer = readHead(socket.getInputStream());
            Duration open = Duration.ofNanos(System.nanoTime() - start);
            // Read whole before any admin work, under the server idle timeout: the gateway owes nothing yet.
            assertThat(answer).as("closed without an answer").isEmpty();
            assertThat(open).isBetween(IDLE_TIMEOUT.dividedBy(2), IDLE_TIMEOUT.plusSeconds(6));
        }
    }

    @Test
    void anXmlRpcCallThatStopsMidBodyIsAnswered400AfterTheClientIdleTimeout() throws Exception {
        assertStalledBodyAnswered400("POST /crm/xmlrpc/v1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Length: 500\r\n\r\n<?xml version=\"1.0\"?><methodCall>");
    }

    @Test
    void aReplayableBodyThatStopsFlowingIsAnswered400AfterTheClientIdleTimeout() throws Exception {
        replica.client.adminJson("PUT", replica.gateway.url() + "/admin/connections/replayed", "{\"client_id\":\""
                + FakeKeapResource.CLIENT_ID + "\",\"client_secret\":\"" + FakeKeapResource.CLIENT_SECRET + "\"}", 200);
        replica.client.adminJson("POST", replica.gateway.url() + "/admin/connections/replayed/tokens",
                "{\"refresh_token\":\"" + replica.keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
        String oauthKey = replica.key("replayed", "\"connection\":\"replayed\"");
        // OAuth requests with a small body are read whole first, to be replayed once after a rejected token.
        assertStalledBodyAnswered400("POST /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nAuthorization: Bearer " + oauthKey
                + "\r\nContent-Length: 500\r\n\r\n{\"given_name\":");
    }

    private static void assertStalledBodyAnswered400(String headAndSomeBody) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", replica.gateway.port())) {
            socket.setSoTimeout((int) IDLE_TIMEOUT.multipliedBy(5).toMillis());
            long start = System.nanoTime();
            write(socket, headAndSomeBody);
            String head = readHead(socket.getInputStream());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(head).startsWith("HTTP/1.1 400");
            assertThat(took).isBetween(CLIENT_IDLE_TIMEOUT.dividedBy(2), CLIENT_IDLE_TIMEOUT.plusSeconds(6));
        }
    }

    private static CompletableFuture<HttpResponse<String>> send(HttpClient.Version version) {
        HttpClient http = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(replica.gateway.url() + "/crm/rest/v1/contacts"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key)
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** The status line and headers (up to the blank line), or what came before the connection closed. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = read(in)) >= 0) {
            head.write(b);
            if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** One byte, or -1 at the end of the stream or on a reset. */
    private static int read(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException reset) {
            return -1;
        }
    }
}
