--[[ earshot: Lua 5.3 replacement of shared/portable/int.ts (same exports, same contract).
Lua 5.3's bitwise operators work on 64-bit integers; every result here is wrapped back to the
signed (or, where the TS says so, unsigned) 32-bit range so Lua computes the bits JS does.
TSTL passes a `self` first argument to module functions; it is ignored. ]]
local ____exports = {}
local MASK = 0xFFFFFFFF
local tointeger = math.tointeger

local function u32(x)
    return tointeger(x) & MASK
end

local function s32(v)
    if v >= 0x80000000 then
        return v - 0x100000000
    end
    return v
end

function ____exports.toInt32(self, x)
    return s32(u32(x))
end

function ____exports.toUint32(self, x)
    return u32(x)
end

function ____exports.and32(self, a, b)
    return s32(u32(a) & u32(b))
end

function ____exports.or32(self, a, b)
    return s32(u32(a) | u32(b))
end

function ____exports.xor32(self, a, b)
    return s32(u32(a) ~ u32(b))
end

function ____exports.not32(self, a)
    return s32(~u32(a) & MASK)
end

function ____exports.shl32(self, a, n)
    return s32((u32(a) << tointeger(n)) & MASK)
end

function ____exports.sra32(self, a, n)
    -- Floor division by 2^n of the sign-extended value is an arithmetic shift.
    return s32(u32(a)) // (1 << tointeger(n))
end

function ____exports.srl32(self, a, n)
    return u32(a) >> tointeger(n)
end

local function popcount(v)
    v = v - ((v >> 1) & 0x55555555)
    v = (v & 0x33333333) + ((v >> 2) & 0x33333333)
    v = (v + (v >> 4)) & 0x0F0F0F0F
    return ((v * 0x01010101) & MASK) >> 24
end

function ____exports.popcount32(self, a)
    return popcount(u32(a))
end

function ____exports.xnorPopcount32(self, a, b, mask)
    return popcount(~(u32(a) ~ u32(b)) & u32(mask))
end

function ____exports.lowMask32(self, n)
    if n >= 32 then
        return -1
    end
    if n <= 0 then
        return 0
    end
    return s32((1 << tointeger(n)) - 1)
end

function ____exports.pow2(self, n)
    local r = 1
    for _ = 1, n do
        r = r * 2
    end
    return r
end

return ____exports
