package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The request-target of a client request, checked. The raw path must be plain: well-formed
 * percent-encoding, no control characters, no dot or empty segments, no encoded {@code /}, {@code \} or
 * {@code .}, no {@code %25} (double encoding) nor Unicode look-alikes of {@code .}, {@code /} or {@code \}, no
 * {@code ;} (path parameters, as in {@code ..;/}, which Tomcat- and Jetty-style servers strip
 * before they normalise a path): the usual ways to make a proxy and its upstream disagree about a path. What
 * is forwarded is the raw path and query byte for byte, minus every query parameter whose decoded name is
 * {@code access_token}.
 *
 * @param rawPath the path as sent, forwarded unchanged
 * @param forwardedQuery the query to forward, or null for none
 * @param decodedPath the path with percent-encoding decoded, for scope matching
 * @param accessToken the value of an {@code access_token} query parameter (old SDKs), or null
 */
record RequestTarget(String rawPath, String forwardedQuery, String decodedPath, String accessToken) {

    /** Checks the syntax of a request-target that any route may receive. */
    static RequestTarget parse(String uri) {
        if (uri == null || !uri.startsWith("/")) {
            throw bad("The request-target must be an absolute path.");
        }
        int question = uri.indexOf('?');
        String rawPath = question < 0 ? uri : uri.substring(0, question);
        String rawQuery = question < 0 ? null : uri.substring(question + 1);
        String decodedPath = decode(rawPath, true);
        checkSegments(rawPath, decodedPath);
        String accessToken = null;
        String forwardedQuery = rawQuery;
        if (rawQuery != null) {
            decode(rawQuery, false);
            QueryWithoutToken split = QueryWithoutToken.of(rawQuery);
            accessToken = split.token();
            forwardedQuery = split.query();
        }
        return new RequestTarget(rawPath, forwardedQuery, decodedPath, accessToken);
    }

    /** True for the paths CONTRACT.md allows to be forwarded. */
    boolean forwardable() {
        return rawPath.startsWith("/crm/rest/v1/") || rawPath.startsWith("/crm/rest/v2/")
                || rawPath.equals("/crm/xmlrpc") || rawPath.equals("/crm/xmlrpc/v1");
    }

    /** Path and query as sent to Keap. */
    String forwardedUri() {
        return forwardedQuery == null ? rawPath : rawPath + "?" + forwardedQuery;
    }

    private static void checkSegments(String rawPath, String decodedPath) {
        String lower = rawPath.toLowerCase(Locale.ROOT);
        // A layer that decodes twice reads %252e%252e as "..", and one that normalises Unicode reads a full-width
        // dot (%EF%BC%8E) or solidus as an ASCII one: the scope check must see the path Keap will act on.
        if (lower.contains("%25") || lookalikes(decodedPath)) {
            throw bad("Double percent-encoding (%25) and look-alikes of '.', '/' or '\\' are not accepted in paths.");
        }
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || decodedPath.contains("\\")
                || decodedPath.indexOf(';') >= 0) {
            throw notForwarded();
        }
        String[] segments = decodedPath.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".") || segment.equals("..") || (segment.isEmpty() && !last)) {
                throw notForwarded();
            }
        }
    }

    /**
     * Characters that Unicode compatibility normalisation (NFKC) turns into {@code .}, {@code /}, {@code \},
     * {@code %} or {@code ;} (every such character of the Basic Multilingual Plane): full-width and small forms,
     * dot leaders, numbers with a full stop, signs such as U+2100 (a/c), the Greek question mark. Listed rather than
     * normalised: java.text.Normalizer's NFKC data is a resource a native image may lack.
     */
    private static final String LOOKALIKES = "\u037E\u2024\u2025\u2026\u2100\u2101\u2105\u2106\u2488\u2489"
            + "\u248A\u248B\u248C\u248D\u248E\u248F\u2490\u2491\u2492\u2493"
            + "\u2494\u2495\u2496\u2497\u2498\u2499\u249A\u249B\u33C2\u33C7"
            + "\u33D8\uFE14\uFE19\uFE30\uFE52\uFE54\uFE68\uFE6A\uFF05\uFF0E"
            + "\uFF0F\uFF1B\uFF3C";

    /** True if the path holds a look-alike of a separator ({@link #LOOKALIKES}). */
    private static boolean lookalikes(String decodedPath) {
        for (int i = 0; i < decodedPath.length(); i++) {
            char c = decodedPath.charAt(i);
            if (c >= 0x80 && LOOKALIKES.indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Percent-decodes as UTF-8, refusing malformed escapes, control characters and malformed UTF-8. */
    private static String decode(String raw, boolean path) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        boolean encodedHighBytes = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
                    throw bad("Malformed percent-encoding in the " + (path ? "path." : "query."));
                }
                int value = hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2));
                if (value < 0x20 || value == 0x7f) {
                    throw bad("Encoded control characters are not allowed.");
                }
                bytes.write(value);
                encodedHighBytes |= value >= 0x80;
                i += 2;
            } else if (c <= 0x20 || c == 0x7f || c == '#' || (path && c == '\\')) {
                throw bad("Illegal character in the request-target.");
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        return encodedHighBytes ? strictUtf8(bytes.toByteArray()) : bytes.toString(StandardCharsets.UTF_8);
    }

    /** Overlong forms ({@code %c0%ae} for a dot) and stray bytes are refused, not replaced. */
    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad("The request-target is not valid UTF-8.");
        }
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static GatewayException bad(String detail) {
        return new GatewayException(ErrorCode.BAD_REQUEST, detail);
    }

    private static GatewayException notForwarded() {
        return new GatewayException(ErrorCode.NOT_FOUND, "This path is not forwarded by the gateway.");
    }

    /**
     * A query split into the {@code access_token} parameters (by decoded name, so {@code access%5Ftoken} is one
     * too) and everything else, which stays byte for byte.
     */
    private record QueryWithoutToken(String query, String token) {
        private static final String NAME = "access_token";

        static QueryWithoutToken of(String rawQuery) {
            if (!rawQuery.contains(NAME) && rawQuery.indexOf('%') < 0) {
                return new QueryWithoutToken(rawQuery, null);
            }
            StringBuilder kept = new StringBuilder();
            String token = null;
            for (String pair : rawQuery.split("&", -1)) {
                int equals = pair.indexOf('=');
                String rawName = equals < 0 ? pair : pair.substring(0, equals);
                if (NAME.equals(decode(rawName, false))) {
                    if (token == null) { // the first one is the key; every one is removed
                        token = equals < 0 ? "" : decode(pair.substring(equals + 1), false);
                    }
                } else {
                    kept.append(kept.length() == 0 ? "" : "&").append(pair);
                }
            }
            return new QueryWithoutToken(kept.length() == 0 ? null : kept.toString(), token);
        }
    }
}
