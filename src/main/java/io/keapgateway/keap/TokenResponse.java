package io.keapgateway.keap;

import java.time.Duration;

/**
 * A successful answer of Keap's token endpoint (KEAP-API-FACTS §1 "Response"). {@code toString} never shows
 * a token.
 *
 * @param accessToken  the bearer token for API calls
 * @param refreshToken the single-use refresh token that replaces the one just used
 * @param expiresIn    the access token's lifetime, relative to when the answer arrived (Keap: 24 h)
 * @param scope        as Keap echoes it, e.g. {@code full|xy123.infusionsoft.com}
 */
public record TokenResponse(String accessToken, String refreshToken, Duration expiresIn, String scope) {

    /** The Keap account (application host) the grant is for: the part of {@code scope} after {@code |}. */
    public String tenant() {
        if (scope == null) {
            return null;
        }
        int bar = scope.indexOf('|');
        String tenant = bar < 0 ? "" : scope.substring(bar + 1).trim();
        return tenant.isEmpty() ? null : tenant;
    }

    @Override
    public String toString() {
        return "TokenResponse[expiresIn=" + expiresIn + ", scope=" + scope + ", tokens=****]";
    }
}
