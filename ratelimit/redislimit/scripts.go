package redislimit

import "github.com/redis/go-redis/v9"

// The scripts count time in integer microseconds since 1970, exact in Lua's
// doubles (below 2^53) until the year 2255; values are stored with
// string.format('%.0f'), since Lua's tostring keeps only 14 digits. ARGV[1]
// is always the caller's clock in microseconds, or "" for Redis's TIME.
const clockLua = `
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
`

// Reserve answers for reserveScript, its first element.
const (
	resRefused = 0 // the slot is beyond maxWait: {0, wait, 0}
	resBooked  = 1 // {1, wait, booked TAT}
	resPaused  = 2 // {2, rest of the pause, 0}
	resFree    = 3 // no proactive limit and no pause: {3, 0, 0}
)

// reserveScript books the bucket's next slot (GCRA, see the package doc).
// KEYS: TAT, pause. ARGV: now, T (µs, 0 for no proactive limit), τ (µs),
// maxWait (µs).
var reserveScript = redis.NewScript(clockLua + `
local now = clock(ARGV[1])
local stop = tonumber(redis.call('GET', KEYS[2]))
if stop and stop > now then return {2, stop - now, 0} end
local t = tonumber(ARGV[2])
if t <= 0 then return {3, 0, 0} end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local wait = tat - tonumber(ARGV[3]) - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[4]) then return {0, wait, 0} end
local booked = tat + t
redis.call('SET', KEYS[1], string.format('%.0f', booked), 'PX', math.ceil((booked - now) / 1000))
return {1, wait, booked}
`)

// pauseScript pauses the bucket until now+pause unless a pause in force
// ends later; it returns 1 when it set the pause. KEYS: pause. ARGV: now,
// pause (µs, > 0).
var pauseScript = redis.NewScript(clockLua + `
local now = clock(ARGV[1])
local stop = now + tonumber(ARGV[2])
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= stop then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', stop), 'PX', math.ceil((stop - now) / 1000))
return 1
`)

// cancelScript gives a booked slot back (TAT −= T) when TAT is still the
// value that booking stored; it returns 1 when it did. KEYS: TAT. ARGV:
// now, booked TAT, T.
var cancelScript = redis.NewScript(clockLua + `
local now = clock(ARGV[1])
local booked = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[1])) ~= booked then return 0 end
local back = booked - tonumber(ARGV[3])
if back <= now then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], string.format('%.0f', back), 'PX', math.ceil((back - now) / 1000))
return 1
`)

// pausedScript returns how long the bucket stays paused (µs; 0 when it is
// not). KEYS: pause. ARGV: now.
var pausedScript = redis.NewScript(clockLua + `
local now = clock(ARGV[1])
local stop = tonumber(redis.call('GET', KEYS[1]))
if stop and stop > now then return stop - now end
return 0
`)
