package io.keapgateway.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as {@link FakeKeap} received it, so tests can assert on exactly what the gateway sent
 * upstream.
 *
 * @param method      the request method, e.g. {@code POST}
 * @param path        the raw (still percent-encoded) path, e.g. {@code /crm/rest/v2/contacts:link}
 * @param query       the raw query string without {@code ?}, or {@code null} when there was none
 * @param headers     every request header; lookups ignore case (the keys are spelled as the JDK
 *                    server normalises them, e.g. {@code X-keap-api-key})
 * @param bodySha256  lower-case hex SHA-256 of the whole body (of the empty string when there was none)
 * @param bodyBytes   the body's length in bytes, as actually received (also for chunked bodies)
 * @param body        the body itself when it is at most {@link #KEPT_BODY_LIMIT} bytes, else {@code null}
 * @param receivedAt  when the request line and headers had arrived
 */
public record Received(
        String method,
        String path,
        String query,
        Map<String, List<String>> headers,
        String bodySha256,
        long bodyBytes,
        byte[] body,
        Instant receivedAt) {

    /** Bodies up to this size are kept; larger ones are only hashed, so big uploads never sit in memory. */
    public static final int KEPT_BODY_LIMIT = 64 * 1024;

    /** Copies everything so that a snapshot can never change under a test. */
    public Received {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(copy);
        body = body == null ? null : body.clone();
    }

    /** A copy of the kept body, or {@code null} when the body was larger than {@link #KEPT_BODY_LIMIT}. */
    @Override
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** The kept body as UTF-8 text, or {@code null} when it was too large to keep. */
    public String bodyText() {
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }

    /** The first value of a header (any case), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of a header (any case); empty when absent. */
    public List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The path plus {@code ?query} when there was one: the request target as sent. */
    public String target() {
        return query == null ? path : path + "?" + query;
    }
}
