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
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The gateway's own secrets: the encryption key, the key-hashing pepper derived from it, and the admin
 * token. The prod profile refuses to start without an admin token and an encryption key; other profiles
 * generate what is missing (and dev logs the generated admin token so the operator can use it).
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

    /** The 32-byte AES key for secrets at rest. */
    record EncryptionKey(byte[] bytes) {
    }

    /** Fails start-up at once, not at the first request, when a secret is missing in prod. */
    void checkAtStartup(@Observes StartupEvent event, SecretBox box, AdminToken token) {
        LOG.debugf("secrets ready: %s", token);
    }

    @Produces
    @Singleton
    EncryptionKey encryptionKey(GatewayConfig config) {
        String configured = config.encryptionKey().map(String::trim).orElse("");
        if (configured.isEmpty()) {
            requireOutsideProd("KEAP_GATEWAY_ENCRYPTION_KEY");
            LOG.warn("No KEAP_GATEWAY_ENCRYPTION_KEY set: generated one for this run; "
                    + "secrets stored now cannot be read after a restart");
            return new EncryptionKey(randomBytes(32));
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(configured);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("KEAP_GATEWAY_ENCRYPTION_KEY is not valid base64");
        }
        if (key.length != 32) {
            throw new IllegalStateException("KEAP_GATEWAY_ENCRYPTION_KEY must be base64 of 32 bytes, not " + key.length);
        }
        return new EncryptionKey(key);
    }

    @Produces
    @Singleton
    SecretBox secretBox(EncryptionKey key) {
        return new SecretBox(key.bytes());
    }

    /**
     * The pepper of gateway-key hashes, derived from the encryption key with a fixed label: one secret
     * configures both, and a copy of Redis alone cannot be used to test guessed keys.
     */
    @Produces
    @Singleton
    Hmac keyPepper(EncryptionKey key) {
        byte[] label = "keap-gateway key pepper v1".getBytes(StandardCharsets.UTF_8);
        return new Hmac(new Hmac(key.bytes()).raw(label));
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
