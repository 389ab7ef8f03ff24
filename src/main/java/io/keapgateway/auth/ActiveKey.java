package io.keapgateway.auth;

/** A stored key with its scopes and IP ranges compiled, as held in each replica's memory. */
public record ActiveKey(KeyRecord record, Scopes scopes, IpAllowList allowedIps) {

    /** Compiles a stored key. */
    public static ActiveKey of(KeyRecord record) {
        return new ActiveKey(record, Scopes.compile(record.scopes()), IpAllowList.parse(record.allowedIps()));
    }

    public String id() {
        return record.id();
    }
}
