package io.keapgateway.proxy;

import io.keapgateway.auth.KeyFormat;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An XML-RPC method call read whole (CONTRACT.md "Proxying"): unlike REST bodies, it is buffered, because
 * the method name decides the scope and the first parameter may hold the client's gateway key, which must
 * not reach Keap. What is forwarded is the body byte for byte, except a first parameter that is a gateway
 * key, which becomes {@link #NEUTRAL}.
 *
 * @param bytes the body as the client sent it
 * @param call what was parsed from it
 */
record XmlRpcBody(Buffer bytes, XmlRpcCall call) {

    /**
     * What replaces a key in the first parameter. Keap ignores that parameter when the credential is in a
     * header (KEAP-API-FACTS.md), and this is the placeholder Keap's own PHP SDK sends there.
     */
    static final String NEUTRAL = "backwards-compatability";

    /** True for the two XML-RPC endpoints. */
    static boolean isXmlRpc(RequestTarget target) {
        return target.rawPath().equals("/crm/xmlrpc") || target.rawPath().equals("/crm/xmlrpc/v1");
    }

    /**
     * Reads the (paused) request's body with {@code reader}, at most {@code max} bytes: 413 otherwise. The
     * bytes are parsed by {@link XmlRpcParsing}, never here on the event loop.
     */
    static Future<Buffer> read(HttpServerRequest request, long max, BoundedBody reader) {
        String length = request.getHeader("Content-Length");
        if (length != null && Long.parseLong(length.trim()) > max) {
            return Future.failedFuture(tooLarge(max));
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            request.response().writeContinue();
        }
        return reader.read(request, max, () -> tooLarge(max));
    }

    /** Parses {@code bytes} within {@code limits}; bad_request for anything but a plain method call. */
    static XmlRpcBody parse(Buffer bytes, XmlRpcCall.Limits limits) {
        return new XmlRpcBody(bytes, XmlRpcCall.parse(bytes.getBytes(), limits));
    }

    /**
     * The gateway key in the first parameter, for a client that sent none in a header or the query; null
     * when the first parameter is not shaped like one (a placeholder, or a Keap key of old).
     */
    String keyInFirstParameter() {
        String first = call.firstString();
        return first != null && KeyFormat.looksLikeKey(first.trim()) ? first.trim() : null;
    }

    /**
     * The body to send to Keap: unchanged, unless the first parameter is the key the client presented or
     * any gateway key; that one is replaced by {@link #NEUTRAL} (the new length is sent as Content-Length).
     */
    Buffer towardsKeap(String presentedKey) {
        String first = call.firstString();
        if (first == null || !(first.equals(presentedKey) || KeyFormat.looksLikeKey(first.trim()))) {
            return withoutKey(bytes.getBytes(), bytes);
        }
        byte[] body = bytes.getBytes();
        byte[] key = first.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(body, key, indexOf(body, "<params".getBytes(StandardCharsets.US_ASCII), 0));
        if (at < 0) {
            throw unreplaceable();
        }
        byte[] neutral = NEUTRAL.getBytes(StandardCharsets.US_ASCII);
        Buffer replaced = Buffer.buffer(body.length - key.length + neutral.length)
                .appendBytes(body, 0, at)
                .appendBytes(neutral)
                .appendBytes(body, at + key.length, body.length - at - key.length);
        // The literal found must have been the first parameter itself (not, say, a comment before it).
        if (!NEUTRAL.equals(XmlRpcCall.parse(replaced.getBytes()).firstString())) {
            throw unreplaceable();
        }
        return withoutKey(replaced.getBytes(), replaced);
    }

    /**
     * {@code body}, checked for any gateway key left in its bytes (a later parameter, a comment, a name): such
     * a call is refused and nothing of it is forwarded, for a key never reaches Keap (CONTRACT.md). A key
     * written with character references in a text or attribute was refused by the parse already.
     */
    private static Buffer withoutKey(byte[] bytes, Buffer body) {
        if (indexOf(bytes, XmlRpcCall.KEY_PREFIX.getBytes(StandardCharsets.US_ASCII), 0) >= 0) {
            throw XmlRpcCall.keyElsewhere();
        }
        return body;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        if (from < 0) {
            return -1;
        }
        for (int i = from; i <= haystack.length - needle.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static GatewayException unreplaceable() {
        return new GatewayException(ErrorCode.BAD_REQUEST,
                "A gateway key in the first XML-RPC parameter must be written as plain text, without character references.");
    }

    private static GatewayException tooLarge(long max) {
        return new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                "The XML-RPC call is larger than the gateway accepts (" + max + " bytes).");
    }
}
