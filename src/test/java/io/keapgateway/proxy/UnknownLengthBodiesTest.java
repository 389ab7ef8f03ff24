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
