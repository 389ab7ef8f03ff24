package io.keapgateway.token;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;

/**
 * Which grants are still sealed with a previous encryption key. A grant is sealed again with the current key
 * by its next refresh (at the latest {@code oauth.max-grant-age} after the last, or at once by
 * {@code POST /admin/connections/{name}/refresh}); until then the previous key must stay configured.
 */
@ApplicationScoped
public class GrantSeals {

    private final GrantVault vault;

    GrantSeals(GrantVault vault) {
        this.vault = vault;
    }

    /** How many of {@code connections} hold a grant sealed with another key than the current one. Blocking. */
    public long pending(Collection<String> connections) {
        return connections.stream().filter(name -> !vault.sealedWithCurrentKey(name)).count();
    }
}
