package io.keapgateway.testsupport;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Consumes each request body by streaming it through SHA-256 and keeps an immutable {@link Received}
 * log. Bodies are never held whole beyond {@link Received#KEPT_BODY_LIMIT}, so a 50 MiB upload costs
 * a few buffers, not 50 MiB.
 */
final class FakeRecorder {

    /**
     * A consumed request: the record, plus the first {@link Received#KEPT_BODY_LIMIT} bytes of the body
     * even when the body as a whole was too large to keep (an XML-RPC {@code <methodName>} is near the top),
     * and where a gateway key was found in it ({@code "header X-Foo"}, {@code "query"}, {@code "body"}), or null.
     */
    record Incoming(Received received, byte[] head, String gatewayKeyAt) {}

    /** What every gateway key starts with; Keap must never see it (CONTRACT.md "Proxying"). */
    static final byte[] GATEWAY_KEY_MARK = "kgw_".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final List<Received> log = new ArrayList<>();
    private final List<String> gatewayKeys = new ArrayList<>();

    Incoming consume(HttpExchange ex) throws IOException {
        Instant at = Instant.now();
        MessageDigest sha = sha256();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        long total = 0;
        boolean keyInBody = false;
        byte[] carry = new byte[0]; // the last bytes of the previous read, so a mark split across reads is found
        byte[] buffer = new byte[64 * 1024];
        // The JDK server de-chunks a chunked body here, so length and hash are those of the real payload.
        try (InputStream in = ex.getRequestBody()) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                sha.update(buffer, 0, n);
                int room = Received.KEPT_BODY_LIMIT - head.size();
                if (room > 0) {
                    head.write(buffer, 0, Math.min(room, n));
                }
                total += n;
                byte[] window = new byte[carry.length + n];
                System.arraycopy(carry, 0, window, 0, carry.length);
                System.arraycopy(buffer, 0, window, carry.length, n);
                keyInBody |= contains(window, GATEWAY_KEY_MARK);
                carry = java.util.Arrays.copyOfRange(window, Math.max(0, window.length - GATEWAY_KEY_MARK.length + 1),
                        window.length);
            }
        }
        byte[] kept = head.toByteArray();
        Received received = new Received(
                ex.getRequestMethod(),
                ex.getRequestURI().getRawPath(),
                ex.getRequestURI().getRawQuery(),
                ex.getRequestHeaders(),
                FakeHttp.hex(sha.digest()),
                total,
                total <= Received.KEPT_BODY_LIMIT ? kept : null,
                at);
        String keyAt = gatewayKeyLocation(received, keyInBody);
        // Logged before any answer is sent, so a test that got its response always finds the record.
        synchronized (log) {
            log.add(received);
            if (keyAt != null) {
                gatewayKeys.add(received.method() + " " + received.path() + ": a gateway key in the " + keyAt);
            }
        }
        return new Incoming(received, kept, keyAt);
    }

    /** Where a gateway key reached the fake, or null if it did not: a header, the query or the body. */
    private static String gatewayKeyLocation(Received received, boolean keyInBody) {
        for (var header : received.headers().entrySet()) {
            for (String value : header.getValue()) {
                if (value.contains("kgw_")) {
                    return "header " + header.getKey();
                }
            }
        }
        if (received.query() != null && received.query().contains("kgw_")) {
            return "query";
        }
        return keyInBody ? "body" : null;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    /** Every request that carried a gateway key, described; empty when the gateway kept them all back. */
    List<String> gatewayKeysReceived() {
        synchronized (log) {
            return List.copyOf(gatewayKeys);
        }
    }

    List<Received> snapshot() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    void clear() {
        synchronized (log) {
            log.clear();
            gatewayKeys.clear();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
