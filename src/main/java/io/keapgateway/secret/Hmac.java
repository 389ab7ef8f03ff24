package io.keapgateway.secret;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 under one key, with a constant-time comparison. */
public final class Hmac {

    private final SecretKeySpec key;
    /**
     * One initialised Mac per thread: every proxied request checks a key, and looking up the provider and
     * initialising the key each time cost more than the HMAC itself. A Mac is not thread-safe; doFinal resets it.
     */
    private final ThreadLocal<Mac> macs;

    public Hmac(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** Hex of HMAC-SHA256(key, text). */
    public String hex(String text) {
        return HexFormat.of().formatHex(raw(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** HMAC-SHA256(key, bytes). */
    public byte[] raw(byte[] bytes) {
        return macs.get().doFinal(bytes);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compares two strings in time that does not depend on where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
