-- Settles what a replica did with a batch (limiter.lua's ARGV[9]) without asking Redis each time: hands back
-- the requests it reserved but did not send in time, and counts the requests it denied by itself (a bucket
-- it knew to be empty). Handing back undoes the reservation as if those requests had never been asked
-- for: the day's counts go down (only while the day is the one they were counted on) and each bucket's
-- theoretical arrival time goes back by their intervals, never before now.
-- KEYS (limiter.lua's): 1 key state, 2 connection state.
-- ARGV: unused requests, key interval (µs), connection interval (µs), denied requests, day (UTC day number
--       on Redis's clock when the batch was reserved; '' = today)
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local day = math.floor(tonumber(time[1]) / 86400)
local unused, denied = tonumber(ARGV[1]), tonumber(ARGV[4])
local counted_day = tonumber(ARGV[5]) or day

local function hand_back(key, count_field, interval)
  local state = redis.call('HMGET', key, 'tat', 'day', count_field)
  local tat = tonumber(state[1])
  if tat then
    redis.call('HSET', key, 'tat', string.format('%.0f', math.max(now_us, tat - unused * interval)))
  end
  if tonumber(state[2]) == counted_day and counted_day == day then
    redis.call('HSET', key, count_field, math.max(0, (tonumber(state[3]) or 0) - unused))
  end
end

if unused > 0 then
  hand_back(KEYS[1], 'requests', tonumber(ARGV[2]))
  hand_back(KEYS[2], 'used', tonumber(ARGV[3]))
end
if denied > 0 then
  if tonumber(redis.call('HGET', KEYS[1], 'day')) ~= day then
    redis.call('HSET', KEYS[1], 'day', day, 'requests', 0, 'denied', 0)
  end
  redis.call('HINCRBY', KEYS[1], 'denied', denied)
  if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], (day + 1) * 86400000 - math.floor(now_us / 1000))
  end
end
return 1
