--[[ earshot: Lua implementation of device/targets/lua/lua-io.ts (same exports). Arrays are
TSTL arrays: Lua tables indexed from 1 holding TS index 0 at [1]. ]]
local ____exports = {}

-- JS prints integral doubles without a fraction ("1088"), Lua 5.3 as "1088.0". Portable code
-- builds messages with template strings (tostring in Lua), so make tostring agree with JS for
-- integral floats: every engine then prints the same error text.
local rawTostring = tostring
tostring = function(v)
    if math.type(v) == "float" and v == math.floor(v) and v > -9007199254740992 and v < 9007199254740992 then
        return string.format("%d", math.tointeger(v))
    end
    return rawTostring(v)
end

local function slurp(path)
    local f = io.open(path, "rb")
    if f == nil then
        error("cannot open " .. tostring(path))
    end
    local s = f:read("a")
    f:close()
    return s
end

function ____exports.readBytes(self, path)
    local s = slurp(path)
    local out = {}
    for i = 1, #s do
        out[i] = string.byte(s, i)
    end
    return out
end

function ____exports.readText(self, path)
    return slurp(path)
end

function ____exports.readInt16(self, path)
    local s = slurp(path)
    local out = {}
    local n = #s // 2
    for i = 1, n do
        out[i] = string.unpack("<i2", s, 2 * i - 1)
    end
    return out
end

function ____exports.argument(self, i)
    local v = arg[i + 1]
    if v == nil then
        return ""
    end
    return v
end

function ____exports.fmt(self, x)
    if math.type(x) == "integer" then
        return tostring(x)
    end
    if x ~= x then
        return "NaN"
    end
    if x == math.huge then
        return "Infinity"
    end
    if x == -math.huge then
        return "-Infinity"
    end
    if x == math.floor(x) and x > -9007199254740992 and x < 9007199254740992 then
        return string.format("%d", math.tointeger(x))
    end
    return string.format("%.17g", x)
end

function ____exports.clock(self)
    return os.clock() * 1000
end

function ____exports.printLine(self, s)
    io.write(s, "\n")
end

function ____exports.exit(self, code)
    os.exit(code)
end

return ____exports
