package io.keapgateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.ConnectionService;
import io.keapgateway.connection.Mode;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.token.ConnectFlows;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@code /admin/connections}: the Keap accounts the gateway holds credentials for. */
@Path("/admin/connections")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ConnectionsResource {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /**
     * What a Keap credential may hold: it travels in a header (the api key as is), and a character a header may
     * not carry would fail every request later, with an error that quotes the value (review L-d).
     */
    private static final Pattern CREDENTIAL = Pattern.compile("[\\x21-\\x7E]{1,1024}");

    private final ConnectionRegistry registry;
    private final ConnectionService service;
    private final ConnectionStatuses statuses;
    private final ConnectFlows flows;

    ConnectionsResource(ConnectionRegistry registry, ConnectionService service, ConnectionStatuses statuses,
            ConnectFlows flows) {
        this.registry = registry;
        this.service = service;
        this.statuses = statuses;
        this.flows = flows;
    }

    @GET
    public List<ConnectionView> list() {
        return registry.all().stream().sorted(Comparator.comparing(Connection::name)).map(statuses::of).toList();
    }

    @GET
    @Path("{name}")
    public ConnectionView get(@PathParam("name") String name) {
        return statuses.of(find(name));
    }

    /** Creates or changes a connection: {@code {client_id, client_secret}} or {@code {api_key}}. */
    @PUT
    @Path("{name}")
    public ConnectionView put(@PathParam("name") String name, JsonNode body, HttpServerRequest request) {
        if (!NAME.matcher(name).matches()) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                    "A connection name is 1 to 63 characters of a-z, 0-9, '-' and '_'.");
        }
        ConnectionService.Credentials credentials = credentials(body);
        Optional<Connection> before = registry.find(name).filter(connection -> connection.mode() == Mode.oauth
                && credentials.mode() == Mode.oauth && !credentials.clientId().equals(connection.clientId()));
        // The put first: when it is refused (conflict, store_unavailable) nothing was applied, the old app's
        // grant included. Only once the new app is stored is the old app's grant forgotten.
        service.put(name, credentials, Actor.of(request));
        before.ifPresent(old -> forgetOldGrant(old, Actor.of(request)));
        return statuses.of(find(name));
    }

    private void forgetOldGrant(Connection old, String actor) {
        try {
            flows.forget(old, actor);
        } catch (GatewayException e) {
            throw new GatewayException(e.code(), "Connection '" + old.name() + "' now uses the new OAuth app, but"
                    + " the old app's tokens could not be forgotten: forget them with DELETE /admin/connections/"
                    + old.name() + "/tokens.");
        }
    }

    private Connection find(String name) {
        return registry.find(name)
                .orElseThrow(() -> new GatewayException(ErrorCode.NOT_FOUND, "There is no connection '" + name + "'."));
    }

    private static ConnectionService.Credentials credentials(JsonNode body) {
        String apiKey = text(body, "api_key");
        String clientId = text(body, "client_id");
        String clientSecret = text(body, "client_secret");
        List<String> malformed = new ArrayList<>();
        Map.of("api_key", Optional.ofNullable(apiKey), "client_id", Optional.ofNullable(clientId),
                "client_secret", Optional.ofNullable(clientSecret)).forEach((member, value) -> value
                        .filter(text -> !CREDENTIAL.matcher(text).matches()).ifPresent(text -> malformed.add(member)));
        if (!malformed.isEmpty()) {
            // The fields only, never their values: they are secrets.
            Collections.sort(malformed);
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, String.join(", ", malformed) + ": a credential"
                    + " is 1 to 1024 visible ASCII characters (no spaces, no control characters).");
        }
        if (apiKey != null && clientId == null && clientSecret == null) {
            return new ConnectionService.Credentials(Mode.api_key, null, null, apiKey);
        }
        if (apiKey == null && clientId != null && clientSecret != null) {
            return new ConnectionService.Credentials(Mode.oauth, clientId, clientSecret, null);
        }
        throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                "Send either {\"api_key\": …} or {\"client_id\": …, \"client_secret\": …}.");
    }

    private static String text(JsonNode body, String member) {
        if (body == null || !body.isObject()) {
            return null;
        }
        JsonNode value = body.get(member);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText().trim() : null;
    }
}
