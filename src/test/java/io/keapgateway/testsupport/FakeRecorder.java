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
     * even when the body as a whole was too large to keep (an XML-RPC {@code <methodName>} is near the top).
     */
    record Incoming(Received received, byte[] head) {}

    private final List<Received> log = new ArrayList<>();

    Incoming consume(HttpExchange ex) throws IOException {
        Instant at = Instant.now();
        MessageDigest sha = sha256();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        long total = 0;
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
        // Logged before any answer is sent, so a test that got its response always finds the record.
        synchronized (log) {
            log.add(received);
        }
        return new Incoming(received, kept);
    }

    List<Received> snapshot() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    void clear() {
        synchronized (log) {
            log.clear();
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
