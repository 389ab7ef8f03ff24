package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Large bodies pass through byte for byte in both directions, and timeouts are answered as such. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class StreamingTest {

    static final long FIFTY_MIB = 50L * 1024 * 1024;

    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;
    private String key;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = Admin.local().createKey(Map.of("name", "bulk"));
    }

    @Test
    void uploadsFiftyMebibytesUnchanged() throws Exception {
        Bytes body = new Bytes(FIFTY_MIB, 7);
        HttpResponse<String> response = http.send(request("/crm/rest/v1/files")
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(body::stream), FIFTY_MIB)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        Received received = keap.receivedUnder("/crm/rest/v1/files").get(0);
        assertThat(received.bodyBytes()).isEqualTo(FIFTY_MIB);
        assertThat(received.bodySha256()).isEqualTo(body.sha256());
    }

    @Test
    void uploadsAChunkedBodyUnchanged() throws Exception {
        Bytes body = new Bytes(3 * 1024 * 1024, 11);
        HttpResponse<String> response = http.send(request("/crm/rest/v1/files")
                .POST(HttpRequest.BodyPublishers.ofInputStream(body::stream)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        Received received = keap.receivedUnder("/crm/rest/v1/files").get(0);
        assertThat(received.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
        assertThat(received.bodySha256()).isEqualTo(body.sha256());
    }

    @Test
    void refusesAChunkedBodyThatGrowsPastTheLimit() throws Exception {
        Bytes body = new Bytes(56L * 1024 * 1024, 3);
        HttpResponse<String> response = http.send(request("/crm/rest/v1/files")
                .POST(HttpRequest.BodyPublishers.ofInputStream(body::stream)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("\"code\":\"payload_too_large\"");
    }

    @Test
    void downloadsFiftyMebibytesUnchanged() throws Exception {
        HttpResponse<InputStream> response = http.send(request("/crm/rest/v1/download/" + FIFTY_MIB).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long length;
        try (InputStream in = new DigestInputStream(response.body(), digest)) {
            length = in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        assertThat(length).isEqualTo(FIFTY_MIB);
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(FakeKeap.expectedDownloadSha256(FIFTY_MIB));
    }

    @Test
    void answersUpstreamTimeoutWhenKeapIsTooSlow() throws Exception {
        HttpResponse<String> response = http.send(request("/crm/rest/v2/slow/4000").GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + base.getPort() + path))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(60));
    }

    /** A deterministic body that is generated as it is read, never held whole. */
    record Bytes(long length, int seed) {
        InputStream stream() {
            return new InputStream() {
                private long position;

                @Override
                public int read() {
                    return position < length ? byteAt(position++) : -1;
                }

                @Override
                public int read(byte[] buffer, int offset, int count) {
                    if (position >= length) {
                        return -1;
                    }
                    int n = (int) Math.min(count, length - position);
                    for (int i = 0; i < n; i++) {
                        buffer[offset + i] = (byte) byteAt(position++);
                    }
                    return n;
                }
            };
        }

        String sha256() throws Exception {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(stream(), digest)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        }

        private int byteAt(long index) {
            return (int) ((index * 31 + seed) ^ (index >>> 11)) & 0xff;
        }
    }

}
