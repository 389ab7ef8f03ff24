package io.keapgateway.admin;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.secret.Hmac;
import io.keapgateway.secret.ServerSecrets.AdminToken;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Guards {@code /admin/**}: only a request bearing the admin token gets through. */
class AdminTokenFilter {

    private final AdminToken adminToken;

    AdminTokenFilter(AdminToken adminToken) {
        this.adminToken = adminToken;
    }

    @ServerRequestFilter(preMatching = true)
    void requireAdminToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.equals("/admin") && !path.startsWith("/admin/")) {
            return;
        }
        String authorization = request.getHeaderString("Authorization");
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (!Hmac.constantTimeEquals(presented, adminToken.value())) {
            throw new GatewayException(ErrorCode.UNAUTHORIZED,
                    "Send the admin token as 'Authorization: Bearer <token>'.");
        }
    }
}
