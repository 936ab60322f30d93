package redis

import goredis "github.com/redis/go-redis/v9"

// gcra is the generic cell rate algorithm as one script, so a decision is
// atomic and costs one round trip (EVALSHA; go-redis falls back to EVAL
// once if the server has not seen the script).
//
// KEYS[1] holds the theoretical arrival time (TAT) of the next event, in
// microseconds of the server's clock. ARGV[1] is the emission interval T
// (microseconds per event) and ARGV[2] the burst tolerance τ = T·(burst−1).
// An event at now is allowed when now ≥ TAT − τ; it then moves TAT to
// max(TAT, now) + T. The key expires when TAT is reached, the moment a
// missing key means the same thing as a stored one.
//
// Returns {1, 0} when allowed, {0, µs until allowed} otherwise. Numbers are
// written with %.0f: Lua's default number format would round them.
var gcra = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, allow_at - now}
end
local new_tat = tat + interval
local ttl = math.ceil((new_tat - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return {1, 0}
`)
