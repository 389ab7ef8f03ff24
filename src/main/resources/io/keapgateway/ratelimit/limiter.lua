-- Decides one proxied request against every limit it touches, atomically and in one round trip, and
-- reserves up to ARGV[9] requests' worth of every bucket for the replica to spend without asking again
-- (a batch; 1 when absent). A request is charged to all of its buckets or to none: a denied request costs
-- no quota anywhere. A batch is granted as far as every limit allows, so at least one request when allowed.
-- Time is Redis's own clock (so replicas with skewed clocks agree) unless ARGV[1] fixes it (tests).
--
-- KEYS (one hash tag, so one cluster slot):
--   1 key state, hash:        tat (µs), day, requests (allowed today), denied (denied today)
--   2 connection state, hash: tat (µs), day, used (sent to Keap today)
--   3 blocked until, string:  ms on Redis's clock; written when Keap answered 429
--   4 Keap's last report, hash: gate_available, gate_limit, gate_until (ms), throttle_q, throttle_w (s)
-- ARGV: now_ms ('' = Redis clock), key_rate (/s), key_burst, key_daily (0 = none),
--       connection_rate (/s), connection_burst, connection_daily (0 = none), high priority (1/0),
--       wanted batch (requests, default 1)
-- Returns {allowed 1/0, limit, denial ('' when allowed), retry_ms, q, w (s), r, t_ms, granted, step_ms,
-- counts_down 1/0, day}: `limit` is the one that decided a denial, or the tightest one (fewest requests left
-- once the whole batch is spent) when allowed. For the batch's earlier requests the replica reports
-- r + (requests after it) * counts_down and t - (requests after it) * step_ms: each spent request takes
-- one from a bucket or a daily count (counts_down 1) and a bucket's reset grows by its interval (step_ms).
-- `day` (UTC day number on Redis's clock) is the day the batch was counted on, for settle.lua.
-- Then {key requests, connection used}: the day's counts once this decision is charged, which a replica
-- keeps so that local mode starts from them rather than from zero should Redis become unreachable.

local DAY_MS = 86400000

local now_us
if ARGV[1] ~= '' then
  now_us = tonumber(ARGV[1]) * 1000
else
  local time = redis.call('TIME')
  now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local now = math.floor(now_us / 1000)
local day = math.floor(now / DAY_MS)
local to_midnight = (day + 1) * DAY_MS - now
local high = ARGV[8] == '1'

-- Integers are formatted explicitly: Lua's default number format keeps 14 digits, too few for µs.
local function int(n)
  return string.format('%.0f', n)
end

-- GCRA: a request is allowed while the theoretical arrival time stays within burst intervals of now.
local function bucket(name, tat, rate, burst)
  local interval = math.max(1, math.floor(1000000 / rate)) -- µs between two requests at `rate`
  local capacity = burst * interval
  local new_tat = math.max(tat or 0, now_us) + interval
  local ahead = new_tat - now_us
  local limit = { name = name, q = burst, w = math.max(1, math.ceil(burst / rate)), new_tat = new_tat,
    interval = interval, free = math.floor((capacity - ahead) / interval) + 1, step = interval / 1000, down = 1 }
  if ahead > capacity then
    limit.retry = math.ceil((ahead - capacity) / 1000)
    limit.r, limit.t, limit.denial = 0, limit.retry, 'rate_limited'
  else
    limit.retry = 0
    limit.r, limit.t = math.floor((capacity - ahead) / interval), math.ceil(ahead / 1000)
  end
  return limit
end

-- A count per UTC day; `used` excludes this request.
local function daily(name, used, quota)
  local limit = { name = name, q = quota, w = 86400, t = to_midnight, retry = 0, r = quota - used - 1,
    free = quota - used, step = 0, down = 1 }
  if used >= quota then
    limit.retry, limit.r, limit.denial = to_midnight, 0, 'quota_exhausted'
  end
  return limit
end

local function today(value, stored_day)
  if stored_day == day then return tonumber(value) or 0 end
  return 0 -- yesterday's count, not yet overwritten
end

local key = redis.call('HMGET', KEYS[1], 'tat', 'day', 'requests', 'denied')
local key_day = tonumber(key[2])
local key_requests, key_denied = today(key[3], key_day), today(key[4], key_day)
local conn = redis.call('HMGET', KEYS[2], 'tat', 'day', 'used')
local conn_used = today(conn[3], tonumber(conn[2]))

local limits = {}
local key_bucket = bucket('key', tonumber(key[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
local conn_bucket = bucket('connection', tonumber(conn[1]), tonumber(ARGV[5]), tonumber(ARGV[6]))
table.insert(limits, key_bucket)
if tonumber(ARGV[4]) > 0 then table.insert(limits, daily('key_daily', key_requests, tonumber(ARGV[4]))) end
table.insert(limits, conn_bucket)
if tonumber(ARGV[7]) > 0 then table.insert(limits, daily('connection_daily', conn_used, tonumber(ARGV[7]))) end

-- What Keap last reported about the day's quota; ignored once its day is over.
local keap = redis.call('HMGET', KEYS[4], 'gate_available', 'gate_limit', 'gate_until', 'throttle_q', 'throttle_w')
local available, quota, gate_until = tonumber(keap[1]), tonumber(keap[2]), tonumber(keap[3])
if available and quota and quota > 0 and gate_until and gate_until > now then
  local limit = { name = 'keap', q = quota, w = 86400, t = gate_until - now, retry = 0, r = math.max(available - 1, 0),
    step = 0, down = 0 }
  -- Below 10% of the day's quota only high-priority keys pass; at 0 nobody does.
  if available <= 0 or (available * 10 < quota and not high) then
    limit.retry, limit.r, limit.denial = gate_until - now, 0, 'quota_exhausted'
  end
  table.insert(limits, limit)
end

-- Keap answered 429: nobody sends to this connection until Keap's window allows.
local blocked = tonumber(redis.call('GET', KEYS[3]))
if blocked and blocked > now then
  local wait = blocked - now
  local q, w = tonumber(keap[4]) or 0, tonumber(keap[5]) or math.max(1, math.ceil(wait / 1000))
  table.insert(limits, { name = 'keap', q = q, w = w, r = 0, t = wait, retry = wait, denial = 'rate_limited' })
end

-- A denial reports the limit that keeps the request out longest; otherwise the one with fewest left.
local decided
for _, limit in ipairs(limits) do
  if limit.denial and (decided == nil or limit.retry > decided.retry) then decided = limit end
end

local function expire_after(ms)
  return int(math.max(ms, 1000))
end

if decided then
  if key_day ~= day then
    redis.call('HSET', KEYS[1], 'day', day, 'requests', 0, 'denied', 0)
  end
  redis.call('HINCRBY', KEYS[1], 'denied', 1)
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], expire_after(to_midnight)) end
  return { 0, decided.name, decided.denial, decided.retry, decided.q, decided.w, decided.r, decided.t, 0, 0, 0, day,
    key_requests, conn_used }
end

-- The batch: as many requests as every counting limit has left, at most the wanted number.
local granted = math.max(1, math.floor(tonumber(ARGV[9]) or 1))
for _, limit in ipairs(limits) do
  if limit.free then granted = math.min(granted, limit.free) end
end
for _, limit in ipairs(limits) do
  limit.r = limit.r - (granted - 1) * limit.down
  limit.t = limit.t + math.ceil((granted - 1) * limit.step)
end
for _, limit in ipairs(limits) do
  if decided == nil or limit.r < decided.r then decided = limit end
end

-- Counters and buckets live until the later of midnight (the day's counts) and a full bucket.
local key_tat = key_bucket.new_tat + (granted - 1) * key_bucket.interval
local conn_tat = conn_bucket.new_tat + (granted - 1) * conn_bucket.interval
redis.call('HSET', KEYS[1], 'tat', int(key_tat), 'day', day, 'requests', key_requests + granted, 'denied', key_denied)
redis.call('PEXPIRE', KEYS[1], expire_after(math.max(to_midnight, (key_tat - now_us) / 1000)))
redis.call('HSET', KEYS[2], 'tat', int(conn_tat), 'day', day, 'used', conn_used + granted)
redis.call('PEXPIRE', KEYS[2], expire_after(math.max(to_midnight, (conn_tat - now_us) / 1000)))
return { 1, decided.name, '', 0, decided.q, decided.w, decided.r, decided.t, granted, math.floor(decided.step), decided.down,
  day, key_requests + granted, conn_used + granted }
