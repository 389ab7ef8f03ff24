package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading XML-RPC method calls, and what of them is sent to Keap. */
class XmlRpcCallTest {

    private static final String KEY = "kgw_AAAAAAAAAAAA_" + "b".repeat(43);

    private static String call(String firstValue) {
        return "<?xml version=\"1.0\"?>\n<methodCall>\n  <methodName>ContactService.load</methodName>\n  <params>\n"
                + "    <param>" + firstValue + "</param>\n"
                + "    <param><value><int>7</int></value></param>\n"
                + "    <param><value><array><data><value><string>Email</string></value></data></array></value></param>\n"
                + "  </params>\n</methodCall>\n";
    }

    private static XmlRpcCall parse(String xml) {
        return XmlRpcCall.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheMethodNameAndAStringFirstParameter() {
        XmlRpcCall typed = parse(call("<value>\n  <string>" + KEY + "</string>\n</value>"));
        assertThat(typed.methodName()).isEqualTo("ContactService.load");
        assertThat(typed.firstString()).isEqualTo(KEY);
        assertThat(parse(call("<value> " + KEY + " </value>")).firstString()).isEqualTo(KEY);
        assertThat(parse(call("<value><string><![CDATA[" + KEY + "]]></string></value>")).firstString()).isEqualTo(KEY);
    }

    @Test
    void aFirstParameterThatIsNoStringIsNotAKey() {
        assertThat(parse(call("<value><int>12</int></value>")).firstString()).isNull();
        assertThat(parse("<methodCall><methodName>DataService.echo</methodName></methodCall>").firstString()).isNull();
    }

    @Test
    void refusesDtdsAndEntities() {
        String external = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<methodCall><methodName>&x;</methodName></methodCall>";
        String internal = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\">]>"
                + "<methodCall><methodName>&a;&a;</methodName></methodCall>";
        String dtdOnly = "<?xml version=\"1.0\"?><!DOCTYPE methodCall SYSTEM \"http://127.0.0.1:1/x.dtd\">"
                + "<methodCall><methodName>a.b</methodName></methodCall>";
        for (String xml : new String[] {external, internal, dtdOnly}) {
            assertBadRequest(xml);
        }
    }

    @Test
    void refusesWhatIsNotAWellFormedMethodCall() {
        for (String xml : new String[] {"", "not xml", "<methodCall><methodName>a.b</methodName>",
                "<methodCall><params/></methodCall>", "<methodCall><methodName>a.b</methodName></methodCall>trailing"}) {
            assertBadRequest(xml);
        }
    }

    @Test
    void replacesAKeyInTheFirstParameterAndNothingElse() {
        String xml = call("<value><string>" + KEY + "</string></value>");
        Buffer sent = body(xml).towardsKeap(null);
        assertThat(sent.toString(StandardCharsets.UTF_8))
                .isEqualTo(xml.replaceFirst(KEY, XmlRpcBody.NEUTRAL));
    }

    @Test
    void replacesTheKeyThePresentedEvenWhenItIsNotShapedLikeOne() {
        String xml = call("<value><string>old-style-token</string></value>");
        assertThat(body(xml).towardsKeap("old-style-token").toString(StandardCharsets.UTF_8))
                .contains("<string>" + XmlRpcBody.NEUTRAL + "</string>").doesNotContain("old-style-token");
    }

    @Test
    void forwardsAnyOtherCallByteForByte() {
        String xml = call("<value><string>backwards-compatability</string></value>").replace("\n", "\r\n");
        byte[] sent = body(xml).towardsKeap(KEY).getBytes();
        assertThat(sent).isEqualTo(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesAKeyHiddenBehindCharacterReferences() {
        String xml = call("<value><string>&#107;" + KEY.substring(1) + "</string></value>");
        assertThatThrownBy(() -> body(xml).towardsKeap(null))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void aKeyInACommentBeforeTheFirstParameterDoesNotHideTheRealOne() {
        String xml = call("<!-- " + KEY + " --><value><string>" + KEY + "</string></value>");
        assertThatThrownBy(() -> body(xml).towardsKeap(KEY)).isInstanceOf(GatewayException.class);
    }

    @Test
    void refusesAKeyAnywhereButTheFirstParameter() {
        String later = "<value><array><data><value><string>Email</string></value></data></array></value>";
        for (String elsewhere : new String[] {
                later.replace("Email", KEY),
                later.replace("Email", "x " + KEY),
                later.replace("Email", "&#107;" + KEY.substring(1)),
                later.replace("Email", "kg<!-- -->w_" + KEY.substring(4)),
                "<value><struct><member><name>" + KEY + "</name><value>1</value></member></struct></value>",
                "<value><i4 note=\"" + KEY + "\">1</i4></value>"}) {
            String xml = call("<value><string>" + XmlRpcBody.NEUTRAL + "</string></value>")
                    .replace("<param><value><int>7</int></value></param>", "<param>" + elsewhere + "</param>");
            assertThatThrownBy(() -> body(xml).towardsKeap(null)).as(elsewhere)
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
        }
        String inComment = call("<value><string>" + KEY + "</string></value>").replace("</methodCall>", "<!-- " + KEY + " --></methodCall>");
        assertThatThrownBy(() -> body(inComment).towardsKeap(KEY)).isInstanceOf(GatewayException.class);
        String firstWithMore = call("<value><string>token " + KEY + "</string></value>");
        assertThatThrownBy(() -> body(firstWithMore).towardsKeap(null)).isInstanceOf(GatewayException.class);
    }

    @Test
    void refusesAMethodNameThatIsNotExactlyOneDirectlyInsideMethodCall() {
        for (String xml : new String[] {
                "<methodCall><methodName>DataService.delete</methodName><methodName>ContactService.load</methodName></methodCall>",
                "<methodCall><methodName>ContactService.load</methodName><params/><methodName>DataService.delete</methodName></methodCall>",
                "<methodCall><params><methodName>ContactService.load</methodName></params></methodCall>",
                "<methodCall><methodName>ContactService.load</methodName><params><param><value><methodName>DataService.delete"
                        + "</methodName></value></param></params></methodCall>",
                "<methodCall><methodName><b>DataService.delete</b></methodName></methodCall>",
                "<other><methodCall><methodName>ContactService.load</methodName></methodCall></other>"}) {
            assertBadRequest(xml);
        }
    }

    @Test
    void refusesPastItsCapsAtOnce() {
        XmlRpcCall.Limits limits = new XmlRpcCall.Limits(32, 1000, 100, 1_000_000_000L);
        String nested = "<methodCall>" + "<a>".repeat(349_000);
        long start = System.nanoTime();
        assertThatThrownBy(() -> XmlRpcCall.parse(nested.getBytes(StandardCharsets.US_ASCII), limits))
                .hasMessageContaining("deeper");
        assertThat(System.nanoTime() - start).isLessThan(200_000_000L);
        String wide = "<methodCall><methodName>a.b</methodName><params>" + "<param><value>1</value></param>".repeat(600)
                + "</params></methodCall>";
        assertThatThrownBy(() -> XmlRpcCall.parse(wide.getBytes(StandardCharsets.US_ASCII), limits))
                .hasMessageContaining("more elements");
        String longText = call("<value><string>" + "x".repeat(101) + "</string></value>");
        assertThatThrownBy(() -> XmlRpcCall.parse(longText.getBytes(StandardCharsets.US_ASCII), limits))
                .hasMessageContaining("longer");
        XmlRpcCall.Limits noTime = new XmlRpcCall.Limits(32, 100_000, 100, 0);
        assertThatThrownBy(() -> XmlRpcCall.parse(wide.getBytes(StandardCharsets.US_ASCII), noTime))
                .hasMessageContaining("too long");
        assertThat(XmlRpcCall.parse(call("<value>1</value>").getBytes(StandardCharsets.US_ASCII), limits).methodName())
                .isEqualTo("ContactService.load");
    }

    private static XmlRpcBody body(String xml) {
        Buffer bytes = Buffer.buffer(xml.getBytes(StandardCharsets.UTF_8));
        return new XmlRpcBody(bytes, XmlRpcCall.parse(bytes.getBytes()));
    }

    private static void assertBadRequest(String xml) {
        assertThatThrownBy(() -> parse(xml)).as(xml)
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }
}
