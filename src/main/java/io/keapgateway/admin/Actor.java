package io.keapgateway.admin;

import io.vertx.core.http.HttpServerRequest;

/** Who made an admin change, as the audit trail names it: the admin token's holder and their address. */
final class Actor {

    private Actor() {
    }

    static String of(HttpServerRequest request) {
        return "admin@" + request.remoteAddress().hostAddress();
    }
}
