package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 bodies without a Content-Length (h2c with prior knowledge, as an HTTP/2 load balancer sends them):
 * read up to the replay buffer size (256 KiB) and forwarded whole with their length, refused with 411 above.
 * A refusal ends that one stream: the connection, shared by every request the balancer multiplexes on it,
 * carries on.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class UnknownLengthBodiesTest {

    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;
    private String key;
    private Vertx vertx;
    private HttpClient h2c;

    /** One HTTP/2 answer, and the connection it came on. */
    record Answer(int status, String version, String body, HttpConnection connection) {
    }

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = Admin.local().createKey(Map.of("name", "h2c"));
        vertx = Vertx.vertx();
        h2c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void forwardsASmallBodyOfUnknownLengthWholeWithItsLength() throws Exception {
        String json = "{\"given_name\":\"h2c\"}";
        Answer answer = send(HttpMethod.POST, List.of(json.substring(0, 5), json.substring(5)));
        assertThat(answer.version()).isEqualTo("HTTP_2");
        assertThat(answer.status()).isEqualTo(200);
        List<Received> received = keap.received();
        assertThat(received).hasSize(1);
        assertThat(received.get(0).bodyText()).isEqualTo(json);
        assertThat(received.get(0).header("Content-Length")).isEqualTo(Integer.toString(json.length()));
    }

    @Test
    void refusesABodyOfUnknownLengthOverTheReplayBufferWith411() throws Exception {
        String chunk = "x".repeat(64 * 1024);
        Answer answer = send(HttpMethod.POST, List.of(chunk, chunk, chunk, chunk, chunk));
        assertThat(answer.status()).isEqualTo(411);
        assertThat(answer.body()).contains("\"code\":\"length_required\"");
        assertThat(keap.received()).isEmpty();

        Answer next = send(HttpMethod.GET, List.of());
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.connection()).as("the refusal reset its stream, not the connection (no GOAWAY)")
                .isSameAs(answer.connection());
    }

    @Test
    void forwardsAnHttp2GetWithoutBody() throws Exception {
        assertThat(send(HttpMethod.GET, List.of()).status()).isEqualTo(200);
        assertThat(keap.received()).hasSize(1);
        assertThat(keap.received().get(0).bodyBytes()).isZero();
    }

    @Test
    void answersAnAdminGetOverHttp2() throws Exception {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost")
                .setPort(base.getPort()).setURI("/admin/connections")
                .putHeader("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN);
        Answer answer = h2c.request(options).compose(request -> request.send()
                .compose(response -> response.body().map(body -> new Answer(response.statusCode(),
                        response.version().name(), body.toString(StandardCharsets.UTF_8), request.connection()))))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(answer.version()).isEqualTo("HTTP_2");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    /** Java's HttpClient upgrades an http:// request to h2c, body and all: every admin POST used to answer 500. */
    @Test
    void createsAKeyOverAnH2cUpgradeAsJavasHttpClientSendsIt() throws Exception {
        java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.http.HttpResponse<String> created = jdk.send(java.net.http.HttpRequest
                .newBuilder(base.toURI().resolve("/admin/keys"))
                .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"over h2c\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(created.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"name\":\"over h2c\"", "\"key\":\"kgw_");
    }

    @Test
    void anAdminBodyOverHttp2IsReadOnceAuthorizedAndHeldToTheCapByItsLength() throws Exception {
        Answer small = admin(HttpMethod.POST, "/admin/keys", GatewayProcess.ADMIN_TOKEN,
                Buffer.buffer("{\"name\":\"h2 prior knowledge\"}"));
        assertThat(small.status()).as(small.body()).isEqualTo(201);

        Buffer large = Buffer.buffer("{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        Answer tooLarge = admin(HttpMethod.POST, "/admin/keys", GatewayProcess.ADMIN_TOKEN, large);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.body()).contains("\"code\":\"payload_too_large\"");

        Answer anonymous = admin(HttpMethod.POST, "/admin/keys", "not-the-token", Buffer.buffer("{}"));
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.body()).contains("\"code\":\"unauthorized\"");
    }

    /** An admin call over HTTP/2 with prior knowledge, its body sent with its length. */
    private Answer admin(HttpMethod method, String uri, String token, Buffer body) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(method).setHost("localhost").setPort(base.getPort())
                .setURI(uri).putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json");
        return h2c.request(options).compose(request -> request.send(body)
                .compose(response -> response.body().map(answer -> new Answer(response.statusCode(),
                        response.version().name(), answer.toString(StandardCharsets.UTF_8), request.connection()))))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Answer send(HttpMethod method, List<String> chunks) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(method).setHost("localhost").setPort(base.getPort())
                .setURI("/crm/rest/v1/contacts").putHeader("X-Api-Key", key)
                .putHeader("Content-Type", "application/json");
        return h2c.request(options).compose(request -> {
            // Read from the first frame: the gateway may answer before the upload is over.
            Future<Answer> answer = request.response()
                    .compose(response -> response.body().map(body -> new Answer(response.statusCode(),
                            response.version().name(), body.toString(StandardCharsets.UTF_8), request.connection())));
            request.setChunked(!chunks.isEmpty()); // over HTTP/2: DATA frames with no Content-Length
            chunks.forEach(chunk -> request.write(Buffer.buffer(chunk.getBytes(StandardCharsets.UTF_8))));
            request.end();
            return answer;
        }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
