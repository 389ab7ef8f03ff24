package io.keapgateway.testsupport;

/**
 * Just enough JSON writing for the fake's small, fixed-shape bodies, so the fake needs nothing but the
 * JDK (the gateway's own Jackson setup must not be able to mask a wire-format mistake).
 */
final class FakeJson {

    /** Already-rendered JSON, embedded as is (for nested objects). */
    record Raw(String json) {}

    private FakeJson() {}

    /** Renders {@code {"k1":v1,"k2":v2,…}} from alternating keys and values (String, Number, Boolean, Raw or null). */
    static String object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must alternate");
        }
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quote((String) keysAndValues[i])).append(':').append(value(keysAndValues[i + 1]));
        }
        return out.append('}').toString();
    }

    /** The Apigee gateway's error envelope, which Keap uses for auth and rate-limit failures. */
    static String fault(String faultstring, String errorcode) {
        Raw detail = new Raw(object("errorcode", errorcode));
        return object("fault", new Raw(object("faultstring", faultstring, "detail", detail)));
    }

    /** The OAuth token endpoint's error envelope. */
    static String oauthError(String error, String description) {
        return object("error", error, "error_description", description);
    }

    private static String value(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Raw raw) {
            return raw.json();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return quote(value.toString());
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
