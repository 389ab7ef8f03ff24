package io.keapgateway.auth;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.time.Instant;
import java.util.Optional;

/**
 * What a known key may do: the checks after its secret has been verified, in the order a client should
 * hear about them. Shared by the proxy and by {@code POST /admin/keys/{id}/check}.
 */
public final class KeyPolicy {

    private KeyPolicy() {
    }

    /**
     * Why {@code key} may not send {@code method path} now, or empty if it may.
     *
     * @param xmlRpcMethod the XML-RPC method called, or null when the request is not an XML-RPC call
     * @param clientIp the caller's address, or null to skip the IP check (admin checks)
     */
    public static Optional<GatewayException> denial(ActiveKey key, String method, String path, String xmlRpcMethod,
            String clientIp, Instant now) {
        Optional<GatewayException> standing = standing(key, clientIp, now);
        if (standing.isPresent() || key.scopes().allows(method, path, xmlRpcMethod)) {
            return standing;
        }
        String call = xmlRpcMethod == null ? "" : " (XML-RPC " + xmlRpcMethod + ")";
        return deny(ErrorCode.SCOPE_DENIED, "This gateway key's scopes do not allow " + method + " " + path + call + ".");
    }

    /** Why {@code key} may not be used at all now (revoked, expired, or from this address), or empty. */
    public static Optional<GatewayException> standing(ActiveKey key, String clientIp, Instant now) {
        KeyRecord record = key.record();
        // Revoked is revoked: revoked_at carries the writer's clock, which a reader's may run behind.
        if (record.revokedAt() != null) {
            return deny(ErrorCode.KEY_REVOKED, "This gateway key was revoked; ask the operator for a new one.");
        }
        if (record.expiresAt() != null && !record.expiresAt().isAfter(now)) {
            return deny(ErrorCode.KEY_EXPIRED, "This gateway key expired at " + record.expiresAt() + ".");
        }
        if (clientIp != null && !key.allowedIps().allows(clientIp)) {
            return deny(ErrorCode.IP_DENIED, "This gateway key may not be used from " + clientIp + ".");
        }
        return Optional.empty();
    }

    private static Optional<GatewayException> deny(ErrorCode code, String detail) {
        return Optional.of(new GatewayException(code, detail));
    }
}
