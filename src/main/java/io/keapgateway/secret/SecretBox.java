package io.keapgateway.secret;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets kept at rest (Keap api keys, client secrets, OAuth tokens) with AES-256-GCM. A sealed
 * value is {@code v2.<key id>.<base64 of 12-byte nonce + ciphertext + tag>}; the {@code context} (e.g. the
 * connection name) is authenticated too, so a sealed value cannot be moved to another record.
 *
 * <p>The key id names the encryption key that sealed the value, so that the key can be rotated: new values are
 * sealed with the current key, and a value sealed with the previous one is still opened until it is sealed
 * again (docs/operations.md "Rotating the encryption key"). Values written before key ids existed ({@code v1.},
 * no id) are opened with whichever of the two keys authenticates them.
 */
public final class SecretBox {

    private static final String V1 = "v1.";
    private static final String V2 = "v2.";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Key current;
    private final Optional<Key> previous;
    private final SecureRandom random = new SecureRandom();

    /** One AES key and the id sealed values name it by. */
    private record Key(String id, SecretKeySpec spec) {
    }

    public SecretBox(byte[] key) {
        this(key, null);
    }

    /** @param previous the key being rotated away from, or null */
    public SecretBox(byte[] current, byte[] previous) {
        this.current = key(current);
        this.previous = Optional.ofNullable(previous).map(SecretBox::key);
        if (this.previous.filter(p -> p.id().equals(this.current.id())).isPresent()) {
            throw new IllegalArgumentException("the previous encryption key is the current one");
        }
    }

    /** The id of the key new values are sealed with. */
    public String keyId() {
        return current.id();
    }

    /** The id of the key being rotated away from, if one is configured. */
    public Optional<String> previousKeyId() {
        return previous.map(Key::id);
    }

    /** Encrypts {@code plaintext}, bound to {@code context}, with the current key. */
    public String seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, current, nonce, context);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return V2 + current.id() + "." + Base64.getEncoder().encodeToString(
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /** Decrypts a value made by {@link #seal}; fails if it was altered, moved, or sealed under a key not held. */
    public String open(String sealed, String context) {
        if (sealed.startsWith(V2)) {
            int dot = sealed.indexOf('.', V2.length());
            if (dot < 0) {
                throw new IllegalArgumentException("not a sealed value");
            }
            String id = sealed.substring(V2.length(), dot);
            Key key = byId(id).orElseThrow(() -> new IllegalStateException("a secret at rest was sealed with "
                    + "encryption key " + id + ", which this gateway does not hold (current " + current.id()
                    + "): set KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS to it until the store is re-sealed"));
            return decrypt(key, Base64.getDecoder().decode(sealed.substring(dot + 1)), context);
        }
        if (!sealed.startsWith(V1)) {
            throw new IllegalArgumentException("not a sealed value");
        }
        byte[] bytes = Base64.getDecoder().decode(sealed.substring(V1.length()));
        try {
            return decrypt(current, bytes, context);
        } catch (IllegalStateException notCurrent) {
            return decrypt(previous.orElseThrow(() -> notCurrent), bytes, context);
        }
    }

    /** Whether {@code sealed} is sealed with the current key (else it should be sealed again). */
    public boolean sealedWithCurrentKey(String sealed) {
        return sealed.startsWith(V2 + current.id() + ".");
    }

    private Optional<Key> byId(String id) {
        return current.id().equals(id) ? Optional.of(current) : previous.filter(key -> key.id().equals(id));
    }

    private static String decrypt(Key key, byte[] bytes, String context) {
        if (bytes.length < NONCE_BYTES) {
            throw new IllegalArgumentException("not a sealed value");
        }
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOf(bytes, NONCE_BYTES), context);
            byte[] plain = cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a secret at rest could not be decrypted (wrong encryption key?)", e);
        }
    }

    private static Cipher cipher(int mode, Key key, byte[] nonce, String context) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key.spec(), new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    /**
     * A key's id: the first 8 characters of an HMAC under the key itself. It tells keys apart in sealed values
     * and logs without saying anything about the key.
     */
    private static Key key(byte[] bytes) {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("the encryption key must be 32 bytes");
        }
        byte[] mac = new Hmac(bytes).raw("keap-gateway encryption key id".getBytes(StandardCharsets.UTF_8));
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(mac).substring(0, 8);
        return new Key(id, new SecretKeySpec(bytes, "AES"));
    }
}
