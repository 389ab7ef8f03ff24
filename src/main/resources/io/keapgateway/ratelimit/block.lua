-- Keap answered 429: block the connection for every replica, never shortening a longer block that
-- another replica already wrote. The value is ms on Redis's clock, the one limiter.lua reads.
-- KEYS[1] blocked-until; ARGV[1] now_ms ('' = Redis clock); ARGV[2] block length in ms
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local length = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= now + length then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', now + length), 'PX', string.format('%.0f', length))
return 1
