-- A replica says it is alive and learns how many replicas are: each enforces limit / count when Redis
-- becomes unreachable. Scores are ms on Redis's clock, so replicas' clocks need not agree.
-- KEYS[1] sorted set of replicas; ARGV[1] this replica's id; ARGV[2] ms after which a silent replica is gone
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local alive = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - alive))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', alive * 2))
return redis.call('ZCARD', KEYS[1])
