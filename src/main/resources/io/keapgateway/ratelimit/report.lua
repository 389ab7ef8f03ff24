-- Replaces what Keap last reported for a connection (a header absent now must not linger) and sets its
-- lifetime, in one round trip. KEYS[1] the report hash; ARGV[1] lifetime in ms; then field, value pairs.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
