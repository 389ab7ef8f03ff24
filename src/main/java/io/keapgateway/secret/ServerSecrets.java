package io.keapgateway.secret;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The gateway's own secrets: the encryption keys (current and, during a rotation, previous), the
 * key-hashing pepper, and the admin token. The prod profile refuses to start without an admin token and an
 * encryption key; other profiles generate what is missing (and dev logs the generated admin token so the operator can use it).
 */
@ApplicationScoped
public class ServerSecrets {

    private static final Logger LOG = Logger.getLogger(ServerSecrets.class);

    /** The admin token, checked by the admin API. */
    public record AdminToken(String value) {
        @Override
        public String toString() {
            return "AdminToken[****]";
        }
    }

    /** The 32-byte AES keys for secrets at rest: the current one, and the one being rotated away from. */
    record EncryptionKeys(byte[] current, byte[] previous) {
    }

    /** Fails start-up at once, not at the first request, when a secret is missing in prod. */
    void checkAtStartup(@Observes StartupEvent event, SecretBox box, Hmac pepper, AdminToken token) {
        LOG.debugf("secrets ready: %s, encryption key %s%s", token, box.keyId(),
                box.previousKeyId().map(id -> ", previous " + id).orElse(""));
    }

    @Produces
    @Singleton
    EncryptionKeys encryptionKeys(GatewayConfig config) {
        Optional<byte[]> previous = configured(config.encryptionKeyPrevious())
                .map(value -> aesKey(value, "KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS"));
        Optional<byte[]> current = configured(config.encryptionKey())
                .map(value -> aesKey(value, "KEAP_GATEWAY_ENCRYPTION_KEY"));
        if (current.isEmpty()) {
            requireOutsideProd("KEAP_GATEWAY_ENCRYPTION_KEY");
            if (previous.isPresent()) {
                throw new IllegalStateException("KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS is set without "
                        + "KEAP_GATEWAY_ENCRYPTION_KEY: set the new key too");
            }
            LOG.warn("No KEAP_GATEWAY_ENCRYPTION_KEY set: generated one for this run; "
                    + "secrets stored now cannot be read after a restart");
            return new EncryptionKeys(randomBytes(32), null);
        }
        return new EncryptionKeys(current.get(), previous.orElse(null));
    }

    @Produces
    @Singleton
    SecretBox secretBox(EncryptionKeys keys) {
        return new SecretBox(keys.current(), keys.previous());
    }

    /**
     * The pepper of gateway-key hashes: a copy of Redis alone cannot be used to test guessed keys. Its own
     * secret ({@code KEAP_GATEWAY_KEY_PEPPER}), so that the encryption key can be rotated without invalidating
     * every gateway key. Unset, it is derived from the encryption key with a fixed label, as it always was;
     * {@link #derivedPepper} is what an operator sets it to before a first rotation (docs/operations.md).
     */
    @Produces
    @Singleton
    Hmac keyPepper(GatewayConfig config, EncryptionKeys keys) {
        Optional<String> configured = configured(config.keyPepper());
        if (configured.isPresent()) {
            byte[] pepper = base64(configured.get(), "KEAP_GATEWAY_KEY_PEPPER");
            if (pepper.length < 32) {
                throw new IllegalStateException("KEAP_GATEWAY_KEY_PEPPER must be base64 of at least 32 bytes, not "
                        + pepper.length);
            }
            return new Hmac(pepper);
        }
        if (keys.previous() != null) {
            throw new IllegalStateException("Rotating the encryption key needs KEAP_GATEWAY_KEY_PEPPER: set it to "
                    + "the pepper derived from the previous key first, or every gateway key becomes invalid "
                    + "(docs/operations.md, \"Rotating the encryption key\")");
        }
        return new Hmac(derivedPepper(keys.current()));
    }

    /** The pepper as derived from an encryption key: HMAC-SHA256(key, "keap-gateway key pepper v1"). */
    static byte[] derivedPepper(byte[] encryptionKey) {
        return new Hmac(encryptionKey).raw("keap-gateway key pepper v1".getBytes(StandardCharsets.UTF_8));
    }

    @Produces
    @Singleton
    AdminToken adminToken(GatewayConfig config) {
        String configured = config.adminToken().map(String::trim).orElse("");
        if (!configured.isEmpty()) {
            if (configured.length() < 16) {
                throw new IllegalStateException("KEAP_GATEWAY_ADMIN_TOKEN must be at least 16 characters");
            }
            return new AdminToken(configured);
        }
        requireOutsideProd("KEAP_GATEWAY_ADMIN_TOKEN");
        String generated = "kgwadm_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            // Dev only: the operator needs it to call the admin API, and nothing else shows it.
            LOG.warnf("No KEAP_GATEWAY_ADMIN_TOKEN set: the admin token for this run is %s", generated);
        }
        return new AdminToken(generated);
    }

    private static Optional<String> configured(Optional<String> value) {
        return value.map(String::trim).filter(v -> !v.isEmpty());
    }

    private static byte[] aesKey(String value, String variable) {
        byte[] key = base64(value, variable);
        if (key.length != 32) {
            throw new IllegalStateException(variable + " must be base64 of 32 bytes, not " + key.length);
        }
        return key;
    }

    private static byte[] base64(String value, String variable) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(variable + " is not valid base64");
        }
    }

    private static void requireOutsideProd(String variable) {
        SmallRyeConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        if (config.getProfiles().contains("prod")) {
            throw new IllegalStateException(variable + " must be set in production");
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
