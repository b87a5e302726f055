/*
 * The store's Lua scripts: each runs atomically in Redis, so the epoch check and the write it guards
 * cannot be split by another node's attach. Keys of one session share the hash tag `{sid}`.
 *
 * Session hash fields (short names: they are stored once per session):
 *   p principal · g generation · e epoch · rx client seq completed · tx server seq persisted
 *   ak server seq acknowledged (the outbound list starts at ak + 1) · ttl ms · d 1 while detached
 *
 * Mutations answer 0 when done, -1 when the session is gone (expired, ended, or the store lost it), or
 * the session's current epoch when the caller's epoch is stale: both are a fence for the caller.
 */

/** `0` done, `-1` gone, `n > 0` stale (the current epoch is n). */
export type FenceReply = number;

// every mutation starts here: KEYS[1] the session hash, ARGV[1] the caller's epoch
const FENCE = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then return -1 end
if epoch ~= ARGV[1] then return tonumber(epoch) end
`;

/** KEYS: hash, generation · ARGV: principal, ttl, lease, generation candidate → the generation. */
export const CREATE = `
redis.call('SET', KEYS[2], ARGV[4], 'NX')
local generation = redis.call('GET', KEYS[2])
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'g', generation, 'e', 1, 'rx', 0, 'tx', 0, 'ak', 0, 'ttl', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return generation
`;

/**
 * KEYS: hash, outbound, ended, generation · ARGV: principal, the client's generation ('' for none),
 * lease extra ms → {'reason', why} or {'record', principal, generation, epoch, rx, tx, ak, ttl, outbound}.
 */
export const ATTACH = `
local ended = redis.call('GET', KEYS[3])
if ended then return {'reason', ended} end
local s = redis.call('HMGET', KEYS[1], 'p', 'g', 'rx', 'tx', 'ak', 'ttl')
if not s[1] then
  local generation = redis.call('GET', KEYS[4])
  if generation and generation == ARGV[2] then return {'reason', 'expired'} end
  return {'reason', 'store-lost'}
end
if s[2] ~= ARGV[2] then return {'reason', 'store-lost'} end
if s[1] ~= ARGV[1] then return {'reason', 'auth-changed'} end
local epoch = redis.call('HINCRBY', KEYS[1], 'e', 1)
redis.call('HDEL', KEYS[1], 'd')
local lease = tonumber(s[6]) + tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
redis.call('PEXPIRE', KEYS[2], lease)
return {'record', s[1], s[2], epoch, s[3], s[4], s[5], s[6], redis.call('LRANGE', KEYS[2], 0, -1)}
`;

/** KEYS: hash, outbound · ARGV: epoch, seq of the first message, then each message's tagged payload. */
export const APPEND = `${FENCE}
local tx = tonumber(redis.call('HGET', KEYS[1], 'tx'))
local first = tonumber(ARGV[2])
if first ~= tx + 1 then
  return redis.error_reply('ERR lifeline: seq ' .. first .. ' does not follow ' .. tx)
end
if redis.call('RPUSH', KEYS[2], unpack(ARGV, 3)) == #ARGV - 2 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
redis.call('HSET', KEYS[1], 'tx', first + #ARGV - 3)
return 0
`;

/** KEYS: hash, outbound · ARGV: epoch, seq acknowledged. */
export const ACKNOWLEDGE = `${FENCE}
local s = redis.call('HMGET', KEYS[1], 'ak', 'tx')
local acked, tx, seq = tonumber(s[1]), tonumber(s[2]), tonumber(ARGV[2])
if seq > tx then seq = tx end
if seq > acked then
  redis.call('LTRIM', KEYS[2], seq - acked, -1)
  redis.call('HSET', KEYS[1], 'ak', seq)
end
return 0
`;

/** KEYS: hash · ARGV: epoch, rx. */
export const COMPLETE = `${FENCE}
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'rx')) then
  redis.call('HSET', KEYS[1], 'rx', ARGV[2])
end
return 0
`;

/** KEYS: hash, outbound · ARGV: epoch. The session's ttl starts now. */
export const DETACH = `${FENCE}
local ttl = redis.call('HGET', KEYS[1], 'ttl')
redis.call('HSET', KEYS[1], 'd', 1)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 0
`;

/** KEYS: hash, outbound, ended · ARGV: epoch, reason to remember ('' for none). */
export const END = `${FENCE}
local ttl = redis.call('HGET', KEYS[1], 'ttl')
redis.call('DEL', KEYS[1], KEYS[2])
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ttl) end
return 0
`;

/**
 * KEYS: hash and outbound of each attached session, in pairs · ARGV: lease extra ms, then each one's
 * epoch → the 1-based indexes of the sessions no longer held at that epoch (fenced or gone).
 */
export const KEEP_ALIVE = `
local lost = {}
for i = 1, #KEYS / 2 do
  local hash, outbound = KEYS[i * 2 - 1], KEYS[i * 2]
  local s = redis.call('HMGET', hash, 'e', 'ttl', 'd')
  if s[1] ~= ARGV[i + 1] or s[3] then
    lost[#lost + 1] = i
  else
    local lease = tonumber(s[2]) + tonumber(ARGV[1])
    redis.call('PEXPIRE', hash, lease)
    redis.call('PEXPIRE', outbound, lease)
  end
end
return lost
`;
