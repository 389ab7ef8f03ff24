package io.keapgateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Mode;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.keap.TokenEndpointException;
import io.keapgateway.token.ConnectFlows;
import io.keapgateway.token.OAuthStates;
import io.keapgateway.token.TokenCustody;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/connections/{name}/authorize|tokens|refresh}: connecting a connection's Keap account and
 * handling its tokens. Answers show the connection's status, never a token.
 */
@Path("/admin/connections")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ConnectionTokensResource {

    private final ConnectionRegistry registry;
    private final OAuthStates states;
    private final ConnectFlows flows;
    private final TokenCustody custody;
    private final ConnectionStatuses statuses;

    ConnectionTokensResource(ConnectionRegistry registry, OAuthStates states, ConnectFlows flows,
            TokenCustody custody, ConnectionStatuses statuses) {
        this.registry = registry;
        this.states = states;
        this.flows = flows;
        this.custody = custody;
        this.statuses = statuses;
    }

    /**
     * Starts the browser flow: the operator opens {@code start_url} within the state's lifetime. When the
     * console asks, its own address (the call's {@code Origin}, which {@link BrowserPolicy} has checked) is
     * kept with the state, so that the result page can send the operator back to it.
     */
    @POST
    @Path("{name}/authorize")
    public OAuthStates.Started authorize(@PathParam("name") String name, HttpServerRequest request) {
        Connection connection = oauthConnection(name);
        return states.begin(connection.name(), connection.clientId(), consoleOf(request.getHeader("Origin")));
    }

    /** {@code origin/console} for a browser's {@code http(s)://host[:port]} origin, else null. */
    static String consoleOf(String origin) {
        return origin != null && origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+") ? origin + "/console" : null;
    }

    /** {@code {code, redirect_uri}}: a code made elsewhere; {@code {refresh_token}}: an older integration's grant. */
    @POST
    @Path("{name}/tokens")
    public ConnectionView connect(@PathParam("name") String name, JsonNode body, HttpServerRequest request) {
        Connection connection = oauthConnection(name);
        String code = text(body, "code");
        String redirectUri = text(body, "redirect_uri");
        String refreshToken = text(body, "refresh_token");
        try {
            if (code != null && redirectUri != null && refreshToken == null) {
                flows.connectWithCode(connection, code, redirectUri, Actor.of(request), "code");
            } else if (refreshToken != null && code == null && redirectUri == null) {
                flows.adoptRefreshToken(connection, refreshToken, Actor.of(request));
            } else {
                throw new GatewayException(ErrorCode.VALIDATION_FAILED, "Send {\"code\": …, \"redirect_uri\": …} "
                        + "(a code Keap issued for that redirect URI) or {\"refresh_token\": …} (the grant of an "
                        + "older integration; it stops working there once the gateway adopts it).");
            }
        } catch (TokenEndpointException refused) {
            throw asAdminError(refused, code != null ? "code" : "refresh token", name);
        }
        return statuses.of(connection);
    }

    /** Forgets the tokens (the Keap app keeps its authorization until revoked in Keap). */
    @DELETE
    @Path("{name}/tokens")
    public Response forget(@PathParam("name") String name, HttpServerRequest request) {
        flows.forget(oauthConnection(name), Actor.of(request));
        return Response.noContent().build();
    }

    /** Refreshes now, sharing a refresh already in flight on any replica. */
    @POST
    @Path("{name}/refresh")
    public ConnectionView refresh(@PathParam("name") String name, HttpServerRequest request) {
        Connection connection = oauthConnection(name);
        custody.refreshNow(connection, Actor.of(request));
        return statuses.of(connection);
    }

    private Connection oauthConnection(String name) {
        Connection connection = registry.find(name)
                .orElseThrow(() -> new GatewayException(ErrorCode.NOT_FOUND, "There is no connection '" + name + "'."));
        if (connection.mode() != Mode.oauth) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, "Connection '" + name
                    + "' uses an api key; give it {\"client_id\", \"client_secret\"} with PUT /admin/connections/"
                    + name + " to use OAuth.");
        }
        return connection;
    }

    /** Keap's refusal, with what the operator can do about it. Keap's description never contains a token. */
    private static GatewayException asAdminError(TokenEndpointException refused, String what, String name) {
        if (refused.temporary()) {
            return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "Keap's token endpoint failed (" + refused.getMessage() + "); try again.");
        }
        String advice;
        if (refused.invalidClient()) {
            advice = "Keap does not accept the client_id/client_secret of connection '" + name
                    + "'; correct them with PUT /admin/connections/" + name + ".";
        } else if (refused.redirectUriRejected()) {
            advice = "redirect_uri must be exactly the one the code was issued for.";
        } else if (refused.invalidGrant()) {
            advice = "the " + what + " was used already or has expired; get a new one.";
        } else {
            advice = "see Keap's answer.";
        }
        return new GatewayException(ErrorCode.VALIDATION_FAILED,
                "Keap refused the " + what + ": " + refused.getMessage() + "; " + advice);
    }

    private static String text(JsonNode body, String member) {
        JsonNode value = body == null || !body.isObject() ? null : body.get(member);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText().trim() : null;
    }
}
