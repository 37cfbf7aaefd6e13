#!lua name=pedregal_capacity
--
-- The capacity calendar of the Pedregal Spark gateway (see docs/capacity.md).
--
-- Time is cut into 15-minute slices, index = epoch second / 900 (UTC). Per pool, all keys share the hash
-- tag {pool}, so one pool lives in one Redis Cluster slot and every function below touches one slot:
--   pc:{pool}:s:<slice>   hash: c, m (vCPU millis, MiB used in the slice), c:<team>, m:<team>;
--                         fields at zero are deleted (the key too once nothing is booked); r: the retention
--                         its expiry was set with; the key expires <retention> after the slice ends
--   pc:{pool}:r:<id>      hash: one reservation (team, c, m, start, end, first, last, state, exp)
--   pc:{pool}:holds       sorted set: held reservation ids by hold expiry (ms), for the sweeper
--   pc:{pool}:ready       present once the pool was rebuilt from the source of truth; a Redis that lost
--                         its data has none, and every calendar call answers 'unready' (fail closed)
-- Slice keys are derived from the prefix passed in ARGV[1] (same slot as the declared keys).
-- Times: Redis TIME, so every gateway replica agrees on what has expired.
--
-- Cost: a function's time is mostly its redis.call()s and the numbers it turns into strings, per slice. So a
-- slice is read with one HMGET and written with one HSET (plus an HDEL for fields back at zero, and EXPIREAT
-- only when the slice key is new or its expiry was set with another retention: see apply), never field by
-- field; and numbers are formatted as integers (string.format '%d'), not by Lua's and Redis's float formatting.

-- The library's version. Raise it with every change to this file: a gateway loads its library over none or
-- an older one, never over a newer one, so during a rolling upgrade the newest library stays loaded and must
-- still serve the calls of the older gateways; a change they cannot call gets a new function name
-- (docs/capacity.md, "Upgrading the library").
local VERSION = 1

local SLICE = 900

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- An integer as Redis stores it (Lua numbers are floats; formatting them as such is slow).
local function int(n) return string.format('%d', n) end

local function slice_key(sp, s) return string.format('%s%d', sp, s) end

local function first_slice(start_sec) return math.floor(start_sec / SLICE) end
local function last_slice(end_sec) return math.ceil(end_sec / SLICE) - 1 end

-- A slice is past (its key expired or about to) once <retention> has passed since its end.
local function is_past(s, retention, now)
  return (s + 1) * SLICE + retention <= math.floor(now / 1000)
end

-- The slice hash fields of a team's usage.
local function team_fields(team) return 'c:' .. team, 'm:' .. team end

-- HMGET of a slice: pool c, pool m, team c, team m, the retention of its expiry (false where absent).
local function read_slice(key, ct, mt)
  return redis.call('HMGET', key, 'c', 'm', ct, mt, 'r')
end

local function usage_of(v)
  return tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
end

-- A changed field: into set (field, value) when its new value is not zero, into del when it fell back to
-- zero (it existed before).
local function change(set, del, field, old, new, delta)
  if delta == 0 then return end
  if new ~= 0 then
    set[#set + 1] = field
    set[#set + 1] = int(new)
  elseif old then
    del[#del + 1] = field
  end
end

-- Adds (sign 1) or removes (sign -1) a reservation's size on slices [from, to]. seen: HMGET replies of
-- these slices already read in this call (by slice index), or nil. New totals are written at once; a field
-- back at zero is deleted, and the key once nothing is booked in the slice (pool c and m at zero: no team
-- can have more than the pool). A slice key expires <retention> after its slice ends; its field r says with
-- which retention that expiry was set, so the key gets EXPIREAT only when it is new or the retention changed
-- since (pedregal.capacity.retention): a change reaches every key at its next write, for one HMGET field.
-- Removing from a slice whose key is gone (expired under a shorter retention) writes nothing.
local function apply(sp, team, c, m, from, to, sign, retention, now, seen)
  local ct, mt = team_fields(team)
  local dc, dm = sign * c, sign * m
  local r = int(retention)
  for s = from, to do
    if not is_past(s, retention, now) then
      local key = slice_key(sp, s)
      local v = (seen and seen[s]) or read_slice(key, ct, mt)
      if sign > 0 or v[1] or v[2] then
        local uc, um, tc, tm = usage_of(v)
        local nc, nm, ntc, ntm = uc + dc, um + dm, tc + dc, tm + dm
        local stamp = v[5] ~= r
        if nc == 0 and nm == 0 then
          redis.call('DEL', key)
          stamp = false
        elseif dc ~= 0 and dm ~= 0 and nc ~= 0 and nm ~= 0 and ntc ~= 0 and ntm ~= 0 then
          -- the usual case (every field changes, none falls to zero): one HSET, no tables
          if stamp then
            redis.call('HSET', key, 'c', int(nc), 'm', int(nm), ct, int(ntc), mt, int(ntm), 'r', r)
          else
            redis.call('HSET', key, 'c', int(nc), 'm', int(nm), ct, int(ntc), mt, int(ntm))
          end
        else
          local set, del = {}, {}
          change(set, del, 'c', v[1], nc, dc)
          change(set, del, 'm', v[2], nm, dm)
          change(set, del, ct, v[3], ntc, dc)
          change(set, del, mt, v[4], ntm, dm)
          if stamp then
            set[#set + 1] = 'r'
            set[#set + 1] = r
          end
          if #set > 0 then redis.call('HSET', key, unpack(set)) end
          if #del > 0 then redis.call('HDEL', key, unpack(del)) end
        end
        if stamp then redis.call('EXPIREAT', key, int((s + 1) * SLICE + retention)) end
      end
    end
  end
end

-- cap = {pool c, pool m, team c, team m}; a team cap < 0 means none. v: the slice's HMGET reply.
-- Returns nil when the slice has room for (c, m), else limit, available c, available m.
local function room(v, c, m, cap)
  local uc, um, tc, tm = usage_of(v)
  if uc + c > cap[1] or um + m > cap[2] then
    return 'pool', cap[1] - uc, cap[2] - um
  end
  if (cap[3] >= 0 and tc + c > cap[3]) or (cap[4] >= 0 and tm + m > cap[4]) then
    local ac, am = cap[1] - uc, cap[2] - um
    if cap[3] >= 0 then ac = math.min(ac, cap[3] - tc) end
    if cap[4] >= 0 then am = math.min(am, cap[4] - tm) end
    return 'team', ac, am
  end
  return nil
end

-- Reads slices [from, to] (HMGET replies by slice index, for apply) and finds the first without room.
-- -> seen, and nil | slice, limit, available c, available m
local function first_conflict(sp, team, c, m, from, to, cap)
  local ct, mt = team_fields(team)
  local seen = {}
  for s = from, to do
    local v = read_slice(slice_key(sp, s), ct, mt)
    seen[s] = v
    local limit, ac, am = room(v, c, m, cap)
    if limit then return seen, s, limit, ac, am end
  end
  return seen
end

-- The smallest shift k in [1, budget] (in slices) such that slices [from+k, to+k] all have room; -1 if none.
local function earliest_fit(sp, team, c, m, from, to, cap, budget, seen)
  local ct, mt = team_fields(team)
  local width, run = to - from + 1, 0
  for s = from + 1, to + budget do
    if room(seen[s] or read_slice(slice_key(sp, s), ct, mt), c, m, cap) then run = 0 else run = run + 1 end
    if run >= width then return s - width + 1 - from end
  end
  return -1
end

local function read(rkey)
  local flat = redis.call('HGETALL', rkey)
  if #flat == 0 then return nil end
  local r = {}
  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
  return r
end

-- Reverses a hold whose TTL has passed (the sweeper's job, done early when a call meets it first).
local function expire_if_due(sp, rkey, holds, id, r, retention, now)
  if r.state == 'held' and tonumber(r.exp) <= now then
    apply(sp, r.team, tonumber(r.c), tonumber(r.m), tonumber(r.first), tonumber(r.last), -1, retention, now)
    redis.call('HSET', rkey, 'state', 'expired')
    redis.call('PEXPIREAT', rkey, now + retention * 1000)
    redis.call('ZREM', holds, id)
    r.state = 'expired'
  end
end

local function live(state) return state == 'held' or state == 'committed' end

-- KEYS: reservation, holds, ready. ARGV: slice prefix, id, team, c, m, start, end, ttl ms,
-- pool c, pool m, team c, team m, wait budget (slices), retention (s)[, commit (1: commit at once)].
-- With commit=1 the call is a hold and its commit in one: a new id is booked as committed (never in the holds
-- set), an id still held is committed, a committed one answers repeated; what a hold then a commit would do.
-- -> {'ok', state, repeated(0/1), exp} | {'denied', slice, limit, avail c, avail m, shift} | {'gone', state} | {'unready'}
local function hold(keys, args)
  local rkey, holds, ready = keys[1], keys[2], keys[3]
  if redis.call('EXISTS', ready) == 0 then return {'unready'} end
  local sp, id, team = args[1], args[2], args[3]
  local c, m, start_sec, end_sec, ttl = tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), tonumber(args[7]), tonumber(args[8])
  local cap = {tonumber(args[9]), tonumber(args[10]), tonumber(args[11]), tonumber(args[12])}
  local budget, retention = tonumber(args[13]), tonumber(args[14])
  local commit_now = args[15] == '1'
  local now = now_ms()
  local r = read(rkey)
  if r then
    expire_if_due(sp, rkey, holds, id, r, retention, now)
    if commit_now and r.state == 'held' then
      redis.call('HSET', rkey, 'state', 'committed')
      redis.call('ZREM', holds, id)
      r.state = 'committed'
    end
    if live(r.state) then return {'ok', r.state, 1, tonumber(r.exp)} end
    return {'gone', r.state}
  end
  local from, to = first_slice(start_sec), last_slice(end_sec)
  local seen, s, limit, ac, am = first_conflict(sp, team, c, m, from, to, cap)
  if s then
    local shift = -1
    if budget > 0 then shift = earliest_fit(sp, team, c, m, from, to, cap, budget, seen) end
    return {'denied', s, limit, ac, am, shift}
  end
  apply(sp, team, c, m, from, to, 1, retention, now, seen)
  local exp = now + ttl
  local state = commit_now and 'committed' or 'held'
  redis.call('HSET', rkey, 'team', team, 'c', int(c), 'm', int(m), 'start', int(start_sec), 'end', int(end_sec),
    'first', int(from), 'last', int(to), 'state', state, 'exp', int(exp))
  redis.call('PEXPIREAT', rkey, int(math.max(end_sec * 1000, exp) + retention * 1000))
  if not commit_now then redis.call('ZADD', holds, exp, id) end
  return {'ok', state, 0, exp}
end

-- KEYS: reservation, holds, ready. ARGV: slice prefix, id, retention.  -> {'ok'|'gone'|'unknown'|'unready', state}
local function commit(keys, args)
  local rkey, holds, ready = keys[1], keys[2], keys[3]
  if redis.call('EXISTS', ready) == 0 then return {'unready'} end
  local sp, id, retention = args[1], args[2], tonumber(args[3])
  local r = read(rkey)
  if not r then return {'unknown', 'unknown'} end
  expire_if_due(sp, rkey, holds, id, r, retention, now_ms())
  if r.state == 'held' then
    redis.call('HSET', rkey, 'state', 'committed')
    redis.call('ZREM', holds, id)
    return {'ok', 'committed'}
  end
  if r.state == 'committed' then return {'ok', 'committed'} end
  return {'gone', r.state}
end

-- KEYS: reservation, holds, ready. ARGV: slice prefix, id, new end, pool c, pool m, team c, team m, retention.
-- Moves the end later (never earlier: an earlier or equal end is a no-op, so a retry never books twice).
-- -> {'ok', state, end} | {'denied', slice, limit, avail c, avail m, -1} | {'gone', state} | {'unknown'} | {'unready'}
local function extend(keys, args)
  local rkey, holds, ready = keys[1], keys[2], keys[3]
  if redis.call('EXISTS', ready) == 0 then return {'unready'} end
  local sp, id, new_end = args[1], args[2], tonumber(args[3])
  local cap = {tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), tonumber(args[7])}
  local retention = tonumber(args[8])
  local r = read(rkey)
  if not r then return {'unknown', 'unknown'} end
  local now = now_ms()
  expire_if_due(sp, rkey, holds, id, r, retention, now)
  if not live(r.state) then return {'gone', r.state} end
  if new_end <= tonumber(r['end']) then return {'ok', r.state, tonumber(r['end'])} end
  local c, m, last = tonumber(r.c), tonumber(r.m), tonumber(r.last)
  local new_last = last_slice(new_end)
  if new_last > last then
    local seen, s, limit, ac, am = first_conflict(sp, r.team, c, m, last + 1, new_last, cap)
    if s then return {'denied', s, limit, ac, am, -1} end
    apply(sp, r.team, c, m, last + 1, new_last, 1, retention, now, seen)
  end
  redis.call('HSET', rkey, 'end', new_end, 'last', new_last)
  redis.call('PEXPIREAT', rkey, math.max(new_end * 1000, tonumber(r.exp)) + retention * 1000)
  return {'ok', r.state, new_end}
end

-- KEYS: reservation, holds, ready. ARGV: slice prefix, id, retention.
-- -> {'ok', 'released' | state it already had} | {'unknown', 'unknown'} | {'unready'}
-- Refused while the pool is unready: a release answered 'unknown' before the rebuild restored the id would
-- leave it booked for good.
local function release(keys, args)
  local rkey, holds, ready = keys[1], keys[2], keys[3]
  if redis.call('EXISTS', ready) == 0 then return {'unready'} end
  local sp, id, retention = args[1], args[2], tonumber(args[3])
  local r = read(rkey)
  if not r then return {'unknown', 'unknown'} end
  local now = now_ms()
  if live(r.state) then
    apply(sp, r.team, tonumber(r.c), tonumber(r.m), tonumber(r.first), tonumber(r.last), -1, retention, now)
    redis.call('HSET', rkey, 'state', 'released')
    redis.call('PEXPIREAT', rkey, now + retention * 1000)
    redis.call('ZREM', holds, id)
    return {'ok', 'released'}
  end
  return {'ok', r.state}
end

-- KEYS: holds. ARGV: slice prefix, reservation prefix, batch, retention.  -> number of holds reversed
local function sweep(keys, args)
  local holds = keys[1]
  local sp, rp, batch, retention = args[1], args[2], tonumber(args[3]), tonumber(args[4])
  local now = now_ms()
  local ids = redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, batch)
  local reversed = 0
  for _, id in ipairs(ids) do
    local rkey = rp .. id
    local r = read(rkey)
    if r and r.state == 'held' then
      expire_if_due(sp, rkey, holds, id, r, retention, now)
      if r.state == 'expired' then reversed = reversed + 1 end
    else
      redis.call('ZREM', holds, id)
    end
  end
  return reversed
end

-- Re-creates a committed reservation after Redis lost its data; no capacity check (it was admitted
-- before), and a no-op when the id is already known (live or tombstone), so a rebuild never books twice.
-- KEYS: reservation. ARGV: slice prefix, team, c, m, start, end, retention.  -> 1 restored, 0 already known
local function restore(keys, args)
  local rkey = keys[1]
  if redis.call('EXISTS', rkey) == 1 then return 0 end
  local sp, team = args[1], args[2]
  local c, m, start_sec, end_sec, retention = tonumber(args[3]), tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), tonumber(args[7])
  local now = now_ms()
  if end_sec * 1000 + retention * 1000 <= now then return 0 end
  local from, to = first_slice(start_sec), last_slice(end_sec)
  apply(sp, team, c, m, from, to, 1, retention, now)
  redis.call('HSET', rkey, 'team', team, 'c', c, 'm', m, 'start', start_sec, 'end', end_sec,
    'first', from, 'last', to, 'state', 'committed', 'exp', 0)
  redis.call('PEXPIREAT', rkey, end_sec * 1000 + retention * 1000)
  return 1
end

-- KEYS: ready. ARGV: slice prefix, first slice, count, team[, first slice, count]...: slices read in the
-- order of the ranges (the first range, then the optional further ones). Team '*' (never a team name): pool
-- totals only, for a caller that needs no team's usage (a third fewer fields to read and send).
-- -> {'unready'} | {'ok', c1, m1, tc1, tm1, c2, ...} (pool and team usage of each slice, as the stored
-- integers; 0 where nothing is booked) | with team '*': {'ok', c1, m1, c2, m2, ...}
local function slices(keys, args)
  if redis.call('EXISTS', keys[1]) == 0 then return {'unready'} end
  local sp, team = args[1], args[4]
  local ct, mt = team_fields(team)
  local out, n = {'ok'}, 1
  local function range(first, count)
    if team == '*' then
      for s = first, first + count - 1 do
        local v = redis.call('HMGET', slice_key(sp, s), 'c', 'm')
        out[n + 1], out[n + 2] = v[1] or 0, v[2] or 0
        n = n + 2
      end
      return
    end
    for s = first, first + count - 1 do
      local v = redis.call('HMGET', slice_key(sp, s), 'c', 'm', ct, mt)
      out[n + 1], out[n + 2], out[n + 3], out[n + 4] = v[1] or 0, v[2] or 0, v[3] or 0, v[4] or 0
      n = n + 4
    end
  end
  range(tonumber(args[2]), tonumber(args[3]))
  for i = 5, #args - 1, 2 do range(tonumber(args[i]), tonumber(args[i + 1])) end
  return out
end

-- GCRA rate limit. KEYS: the limited key (holds its theoretical arrival time, ms).
-- ARGV: emission interval (ms per request), burst (requests), cost.
-- -> {allowed 0/1, remaining, retry after ms, reset ms (until the bucket is full again)}
local function rate(keys, args)
  local interval, burst, cost = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  local now = now_ms()
  local tat = tonumber(redis.call('GET', keys[1]) or 0)
  if tat < now then tat = now end
  local tolerance = interval * burst
  local new_tat = tat + interval * cost
  local allow_at = new_tat - tolerance
  if allow_at > now then
    return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
  end
  redis.call('SET', keys[1], string.format('%.0f', new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
  return {1, math.floor((tolerance - (new_tat - now)) / interval), 0, math.ceil(new_tat - now)}
end

redis.register_function('hold', hold)
redis.register_function('commit', commit)
redis.register_function('extend', extend)
redis.register_function('release', release)
redis.register_function('sweep', sweep)
redis.register_function('restore', restore)
redis.register_function{function_name = 'slices', callback = slices, flags = {'no-writes'}}
redis.register_function('rate', rate)
redis.register_function{function_name = 'pedregal_capacity_version', callback = function() return VERSION end,
  flags = {'no-writes'}}
