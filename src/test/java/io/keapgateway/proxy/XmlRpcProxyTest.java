package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** XML-RPC through the proxy: where the key may be, what Keap receives, and scopes by method. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class XmlRpcProxyTest {

    private static final String NEUTRAL = "backwards-compatability";

    private final Admin admin = Admin.local();
    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = admin.createKey(Map.of("name", "xmlrpc"));
    }

    @AfterEach
    void noGatewayKeyReachedKeap() {
        assertThat(keap.gatewayKeysReceived()).isEmpty();
    }

    static String load(String firstParam) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>ContactService.load</methodName>"
                + "<params><param><value><string>" + firstParam + "</string></value></param>"
                + "<param><value><i4>42</i4></value></param>"
                + "<param><value><array><data><value><string>Id</string></value><value><string>Email</string></value>"
                + "</data></array></value></param></params></methodCall>\n";
    }

    @Test
    void takesTheKeyFromTheFirstParameterAndNeverForwardsIt() {
        given().contentType("text/xml").body(load(key))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200).contentType(startsWith("text/xml"))
                .body(containsString("<name>Email</name><value><string>contact42@example.com</string>"));

        Received received = only(keap.receivedUnder("/crm/xmlrpc"));
        assertThat(received.bodyText()).isEqualTo(load(NEUTRAL));
        assertThat(received.header("Content-Length")).isEqualTo(Long.toString(received.bodyBytes()));
        assertThat(received.header("X-Keap-API-Key")).isEqualTo(FakeKeapResource.API_KEY);
    }

    @Test
    void neutralisesTheHeaderKeyRepeatedInTheFirstParameterAsOldSdksSendIt() {
        given().queryParam("access_token", key).contentType("text/xml").body(load(key))
                .post("/crm/xmlrpc")
                .then().statusCode(200);

        Received received = only(keap.receivedUnder("/crm/xmlrpc"));
        assertThat(received.query()).isNull();
        assertThat(received.bodyText()).isEqualTo(load(NEUTRAL));
    }

    @Test
    void neutralisesAnyGatewayKeyInTheFirstParameter() {
        String other = admin.createKey(Map.of("name", "other"));
        given().header("X-Keap-API-Key", key).contentType("text/xml").body(load(other))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200);

        assertThat(only(keap.receivedUnder("/crm/xmlrpc")).bodyText()).isEqualTo(load(NEUTRAL));
    }

    @Test
    void forwardsOtherCallsByteForByte() {
        String call = load("some placeholder").replace("><", ">\r\n  <");
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body(call)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200);

        assertThat(only(keap.receivedUnder("/crm/xmlrpc")).bodyText()).isEqualTo(call);
    }

    @Test
    void aCallWithoutAnyKeyIsMissingKey() {
        given().contentType("text/xml").body(load(NEUTRAL))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(401).contentType("application/problem+json").body("code", equalTo("missing_key"));
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void refusesDtdsWithoutForwardingAnything() {
        String call = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<methodCall><methodName>&x;</methodName></methodCall>";
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body(call)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("bad_request"));
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body("<methodCall>")
                .post("/crm/xmlrpc/v1")
                .then().statusCode(400).body("code", equalTo("bad_request"));
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void answers413AboveTheXmlRpcCapWhateverTheFraming() throws Exception {
        String big = load("x".repeat(1024 * 1024));
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body(big)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(413).contentType("application/problem+json").body("code", equalTo("payload_too_large"));

        String chunk = "x".repeat(64 * 1024);
        StringBuilder chunked = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            chunked.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        RawHttp.Reply reply = RawHttp.send(base.getPort(), "POST /crm/xmlrpc/v1 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked + "0\r\n\r\n");
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.body()).contains("payload_too_large");
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void aClientThatWritesItsWholeUploadBeforeReadingGetsThe413() throws Exception {
        byte[] body = new byte[8 * 1024 * 1024]; // eight times the XML-RPC cap, more than socket buffers hold
        RawHttp.Reply reply = RawHttp.upload(base.getPort(), "POST /crm/xmlrpc/v1 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Type: text/xml\r\nContent-Length: " + body.length
                + "\r\n\r\n", body);
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.hasHeader("Connection", "close")).isTrue();
        assertThat(reply.body()).contains("\"code\":\"payload_too_large\"");
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void aSecondMethodNameIsRefusedAndNothingForwarded() {
        String loader = admin.createKey(Map.of("name", "loader", "scopes", List.of("XMLRPC ContactService.load")));
        String twoNames = "<?xml version=\"1.0\"?><methodCall><methodName>DataService.delete</methodName>"
                + "<methodName>ContactService.load</methodName><params/></methodCall>";
        given().header("X-Keap-API-Key", loader).contentType("text/xml").body(twoNames)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("bad_request"));
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void aGatewayKeyInALaterParameterIsRefusedAndNothingForwarded() {
        String laterKey = load(NEUTRAL).replace("<value><string>Email</string></value>",
                "<value><string>" + key + "</string></value>");
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body(laterKey)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("bad_request"))
                .body("detail", containsString("first parameter"));
        given().contentType("text/xml").body(load(key).replace("<i4>42</i4>", "<string>" + key + "</string>"))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(400).body("code", equalTo("bad_request"));
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void aKeyInAHeaderIsCheckedBeforeTheBodyIsRead() {
        String unknown = "kgw_AAAAAAAAAAAA_" + "b".repeat(43);
        given().header("Authorization", "Bearer " + unknown).contentType("text/xml").body("<methodCall>" + "<a>".repeat(1000))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(401).body("code", equalTo("invalid_key"));
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }

    @Test
    void scopesByMethodAllowOnlyTheirMethods() {
        String reader = admin.createKey(Map.of("name", "reader", "scopes", List.of("xmlrpc:read")));
        given().header("X-Keap-API-Key", reader).contentType("text/xml").body(load(NEUTRAL))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200);
        given().header("X-Keap-API-Key", reader).contentType("text/xml")
                .body(load(NEUTRAL).replace("ContactService.load", "ContactService.delete"))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(403).contentType("application/problem+json")
                .body("code", equalTo("scope_denied"))
                .body("detail", containsString("ContactService.delete"));
        assertThat(keap.receivedUnder("/crm/xmlrpc")).hasSize(1);
    }

    @Test
    void checkExplainsXmlRpcDecisions() {
        String id = Admin.idOf(admin.createKey(Map.of("name", "one-method", "scopes", List.of("XMLRPC ContactService.load"))));
        admin.request().body(Map.of("method", "POST", "path", "/crm/xmlrpc/v1", "xmlrpc_method", "ContactService.load"))
                .post("/admin/keys/" + id + "/check").then().statusCode(200).body("allowed", equalTo(true));
        admin.request().body(Map.of("method", "POST", "path", "/crm/xmlrpc/v1", "xmlrpc_method", "DataService.delete"))
                .post("/admin/keys/" + id + "/check").then().statusCode(200)
                .body("allowed", equalTo(false)).body("code", equalTo("scope_denied"))
                .body("reason", containsString("DataService.delete"));
        admin.request().body(Map.of("method", "POST", "path", "/crm/xmlrpc/v1"))
                .post("/admin/keys/" + id + "/check").then().statusCode(200).body("allowed", equalTo(false));
    }

    private static Received only(List<Received> received) {
        assertThat(received).hasSize(1);
        return received.get(0);
    }
}
