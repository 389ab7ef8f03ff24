package io.keapgateway.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The command docs/secrets.md gives for setting {@code KEAP_GATEWAY_KEY_PEPPER} before a first rotation
 * yields the pepper the gateway derived from the encryption key, so every gateway key stays valid. Plain JUnit,
 * with the machine's openssl.
 */
public class KeyPepperTest {

    @Test
    void theDocumentedCommandDerivesThePepperTheGatewayUsed() throws Exception {
        String key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

        String derived = derive(key);

        assertThat(derived).isEqualTo(Base64.getEncoder().encodeToString(
                ServerSecrets.derivedPepper(Base64.getDecoder().decode(key))));
        assertThat(derived).isNotEqualTo(derive("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="));
    }

    /** The line of docs/secrets.md that sets the pepper. */
    static String documentedCommand() throws IOException {
        return Files.readAllLines(Path.of("docs/secrets.md")).stream()
                .filter(line -> line.startsWith("KEAP_GATEWAY_KEY_PEPPER=$(")).findFirst()
                .orElseThrow(() -> new AssertionError("docs/secrets.md shows no KEAP_GATEWAY_KEY_PEPPER=$(...) line"));
    }

    public static String derive(String encryptionKey) throws IOException, InterruptedException {
        String script = documentedCommand() + "\nprintf '%s' \"$KEAP_GATEWAY_KEY_PEPPER\"";
        ProcessBuilder shell = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
        shell.environment().put("KEAP_GATEWAY_ENCRYPTION_KEY", encryptionKey);
        Process process = shell.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor()).as(out).isZero();
        return out;
    }
}
