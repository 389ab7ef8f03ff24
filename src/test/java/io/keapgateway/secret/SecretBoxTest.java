package io.keapgateway.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Sealing with a key id, and opening across a rotation of the encryption key. Plain JUnit. */
class SecretBoxTest {

    private static final byte[] OLD = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    private static final byte[] NEW = Base64.getDecoder().decode("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
    /** Sealed under OLD by the SecretBox of b387de6, before sealed values named their key. */
    private static final String V1_UNDER_OLD = "v1.hBKZfYxwnsJJHGU2jmvLoo+ZXBJo4Jja0ZVzuXxD1RlKXaMKq7EYf74ba/g=";

    @Test
    void aValueNamesTheKeyThatSealedItAndOpensOnlyInItsContext() {
        SecretBox box = new SecretBox(NEW);
        String sealed = box.seal("refresh-token-1", "connection:a");

        assertThat(sealed).startsWith("v2." + box.keyId() + ".").doesNotContain("refresh-token-1");
        assertThat(box.open(sealed, "connection:a")).isEqualTo("refresh-token-1");
        assertThat(box.sealedWithCurrentKey(sealed)).isTrue();
        assertThatThrownBy(() -> box.open(sealed, "connection:b")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void duringARotationValuesOfThePreviousKeyOpenAndNewOnesUseTheCurrentKey() {
        SecretBox before = new SecretBox(OLD);
        String old = before.seal("client-secret", "connection:a");
        SecretBox rotating = new SecretBox(NEW, OLD);

        assertThat(rotating.open(old, "connection:a")).isEqualTo("client-secret");
        assertThat(rotating.sealedWithCurrentKey(old)).isFalse();
        assertThat(rotating.previousKeyId()).contains(before.keyId());
        String again = rotating.seal("client-secret", "connection:a");
        assertThat(rotating.sealedWithCurrentKey(again)).isTrue();
        assertThat(new SecretBox(NEW).open(again, "connection:a")).isEqualTo("client-secret");
    }

    @Test
    void valuesSealedBeforeKeyIdsOpenWithEitherKeyAndCountAsNotCurrent() {
        assertThat(new SecretBox(OLD).open(V1_UNDER_OLD, "connection:legacy")).isEqualTo("keap-api-key-123");
        assertThat(new SecretBox(NEW, OLD).open(V1_UNDER_OLD, "connection:legacy")).isEqualTo("keap-api-key-123");
        assertThat(new SecretBox(OLD).sealedWithCurrentKey(V1_UNDER_OLD)).isFalse();
        assertThatThrownBy(() -> new SecretBox(NEW).open(V1_UNDER_OLD, "connection:legacy"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aValueOfAKeyNotHeldIsRefusedWithTheVariableToSet() {
        String old = new SecretBox(OLD).seal("api-key", "connection:a");

        assertThatThrownBy(() -> new SecretBox(NEW).open(old, "connection:a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS")
                .hasMessageContaining(new SecretBox(OLD).keyId())
                .hasMessageNotContaining("api-key");
    }

    @Test
    void keyIdsTellKeysApartAndAKeyCannotBeItsOwnPrevious() {
        assertThat(new SecretBox(OLD).keyId()).hasSize(8).isNotEqualTo(new SecretBox(NEW).keyId());
        assertThatThrownBy(() -> new SecretBox(OLD, OLD.clone())).isInstanceOf(IllegalArgumentException.class);
    }
}
