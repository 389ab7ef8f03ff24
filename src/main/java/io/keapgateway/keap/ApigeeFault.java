package io.keapgateway.keap;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Keap's gateway (Apigee) answers authentication failures with
 * {@code {"fault":{"faultstring":…,"detail":{"errorcode":…}}}}. A 401 is classified by that error code, not
 * by its status alone (KEAP-API-FACTS.md, section 8): only a rejected or expired token is worth a refresh.
 */
public final class ApigeeFault {

    /** Error codes meaning "the access token you sent is not (or no longer) good". */
    private static final Set<String> TOKEN_REJECTED = Set.of(
            "keymanagement.service.invalid_access_token",
            "keymanagement.service.access_token_expired",
            "oauth.v2.InvalidAccessToken");

    private ApigeeFault() {
    }

    /** True if a 401 body says the access token was rejected (so a refreshed token may succeed). */
    public static boolean tokenRejected(Buffer body) {
        try {
            JsonObject fault = new JsonObject(body).getJsonObject("fault");
            JsonObject detail = fault == null ? null : fault.getJsonObject("detail");
            return detail != null && TOKEN_REJECTED.contains(detail.getString("errorcode"));
        } catch (RuntimeException notJson) {
            return false;
        }
    }
}
