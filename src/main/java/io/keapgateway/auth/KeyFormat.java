package io.keapgateway.auth;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shape of a gateway key: {@code kgw_<id>_<secret>}, id 12 and secret 43 base62 characters
 * (43 base62 characters carry 256 bits). Parsing accepts any secret of at least 40 characters.
 */
public final class KeyFormat {

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern SHAPE = Pattern.compile("kgw_([0-9A-Za-z]{12})_([0-9A-Za-z]{40,128})");
    private static final int ID_LENGTH = 12;
    private static final int SECRET_LENGTH = 43;

    private KeyFormat() {
    }

    /** A key as presented by a client, split into its parts. */
    public record Presented(String id, String secret) {
        @Override
        public String toString() {
            return "kgw_" + id + "_****";
        }
    }

    /** Splits a presented key; empty if it does not have the gateway key's shape. */
    public static Optional<Presented> parse(String key) {
        var match = SHAPE.matcher(key);
        return match.matches() ? Optional.of(new Presented(match.group(1), match.group(2))) : Optional.empty();
    }

    /** True if the text looks like a gateway key at all (used to tell a key from other bearer tokens). */
    public static boolean looksLikeKey(String text) {
        return text.startsWith("kgw_");
    }

    /** A new key id; {@code random} is the caller's (no static generator: see {@link KeyService}). */
    public static String newId(SecureRandom random) {
        return random(random, ID_LENGTH);
    }

    /** A new key secret. */
    public static String newSecret(SecureRandom random) {
        return random(random, SECRET_LENGTH);
    }

    public static String compose(String id, String secret) {
        return "kgw_" + id + "_" + secret;
    }

    private static String random(SecureRandom random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return text.toString();
    }
}
