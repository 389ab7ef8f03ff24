package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests that could make the gateway and Keap disagree: all refused, none forwarded. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class MalformedRequestsTest {

    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = Admin.local().createKey(Map.of("name", "framing"));
    }

    @Test
    void refusesTwoContentLengths() throws Exception {
        RawHttp.Reply reply = post("Content-Length: 4\r\nContent-Length: 5\r\n", "abcde");
        assertThat(reply.status()).isBetween(400, 499);
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesContentLengthWithTransferEncoding() throws Exception {
        RawHttp.Reply reply = post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "4\r\nabcd\r\n0\r\n\r\n");
        assertThat(reply.status()).isBetween(400, 499);
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesTransferCodingsOtherThanChunked() throws Exception {
        RawHttp.Reply reply = post("Transfer-Encoding: gzip, chunked\r\n", "4\r\nabcd\r\n0\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("\"code\":\"bad_request\"");
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesBareCarriageReturnsAndLineFeedsInHeaders() throws Exception {
        RawHttp.Reply reply = RawHttp.send(base.getPort(), "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Api-Key: " + key + "\r\nX-Injected: a\rInjected: b\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isBetween(400, 499);
        RawHttp.Reply folded = RawHttp.send(base.getPort(), "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Api-Key: " + key + "\r\nX-Injected: a\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        assertThat(folded.status()).isBetween(400, 499);
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesOversizeHeaders() throws Exception {
        RawHttp.Reply reply = RawHttp.send(base.getPort(), "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Api-Key: " + key + "\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isBetween(400, 499);
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesADeclaredBodyOverTheLimitBeforeReadingIt() throws Exception {
        RawHttp.Reply reply = post("Content-Length: " + (56L * 1024 * 1024) + "\r\n", "");
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.body()).contains("\"code\":\"payload_too_large\"");
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesAnAbsoluteFormTargetThatNamesAnotherHost() throws Exception {
        RawHttp.Reply reply = RawHttp.send(base.getPort(), "GET http://evil.example/crm/rest/v1/contacts HTTP/1.1\r\n"
                + "Host: evil.example\r\nX-Api-Key: " + key + "\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void givesEveryErrorARequestId() {
        given().header("X-Request-Id", "trace-me").get("/crm/rest/v1/contacts")
                .then().statusCode(401).header("X-Request-Id", "trace-me")
                .contentType(startsWith("application/problem+json"))
                .body("request_id", equalTo("trace-me"));
        given().header("X-Request-Id", "bad id with spaces").get("/crm/rest/v1/contacts")
                .then().header("X-Request-Id", org.hamcrest.Matchers.matchesPattern("[0-9a-f-]{36}"));
    }

    private RawHttp.Reply post(String framing, String body) throws Exception {
        return RawHttp.send(base.getPort(), "POST /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Api-Key: " + key + "\r\nContent-Type: application/json\r\n" + framing
                + "Connection: close\r\n\r\n" + body);
    }
}
