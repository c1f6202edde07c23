-- @noindex
--[[
Cadenza for REAPER: a small strict JSON reader and writer.

Why our own: REAPER ships Lua without a JSON library, and the actions talk to the `cadenza`
CLI through JSON files (`--in` notes, `--out` results). The reader is strict (a malformed
answer must be reported, never half-applied) and says where it stopped.
]]

local json = {}

local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
                  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function encode_number(n)
  if n ~= n or n == math.huge or n == -math.huge then
    error("json: cannot encode a non-finite number", 0)
  end
  if math.type(n) == "integer" then return tostring(n) end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then return string.format("%.1f", n) end
  return string.format("%.10g", n)
end

local function is_array(t)
  if next(t) == nil then return true end
  local n = #t
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

--- Encode a Lua value (tables with 1..n keys become arrays, others objects with sorted keys).
function json.encode(v)
  local kind = type(v)
  if kind == "nil" then return "null"
  elseif kind == "boolean" then return v and "true" or "false"
  elseif kind == "number" then return encode_number(v)
  elseif kind == "string" then return encode_string(v)
  elseif kind == "table" then
    local parts = {}
    if is_array(v) then
      for i = 1, #v do parts[i] = json.encode(v[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for i, k in ipairs(keys) do parts[i] = encode_string(k) .. ":" .. json.encode(v[k]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("json: cannot encode a " .. kind, 0)
end

-- Decoder: recursive descent over the string; every error names the byte offset.
local decode_value

local function fail(s, i, what)
  error(string.format("json: %s at byte %d (near %q)", what, i, s:sub(i, i + 10)), 0)
end

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local function decode_string(s, i)
  local out, j = {}, i + 1
  while true do
    local c = s:sub(j, j)
    if c == "" then fail(s, i, "unterminated string") end
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = s:sub(j + 1, j + 1)
      local simple = ({ ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f',
                        n = '\n', r = '\r', t = '\t' })[e]
      if simple then
        out[#out + 1] = simple; j = j + 2
      elseif e == "u" then
        local hex = s:sub(j + 2, j + 5)
        if not hex:match("^%x%x%x%x$") then fail(s, j, "bad \\u escape") end
        local code = tonumber(hex, 16)
        j = j + 6
        if code >= 0xD800 and code <= 0xDBFF and s:sub(j, j + 1) == "\\u" then
          local low = tonumber(s:sub(j + 2, j + 5), 16)
          if low and low >= 0xDC00 and low <= 0xDFFF then
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            j = j + 6
          end
        end
        out[#out + 1] = utf8.char(code)
      else
        fail(s, j, "bad escape")
      end
    elseif c:byte() < 32 then
      fail(s, j, "control character in string")
    else
      local k = s:find('["\\%c]', j) or #s + 1
      out[#out + 1] = s:sub(j, k - 1)
      j = k
    end
  end
end

local function decode_number(s, i)
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if not num or not num:match("^-?%d") then fail(s, i, "bad number") end
  local v = tonumber(num)
  if v == nil then fail(s, i, "bad number") end
  return v, i + #num
end

local function decode_array(s, i)
  local out, n = {}, 0
  i = skip(s, i + 1)
  if s:sub(i, i) == "]" then return out, i + 1 end
  while true do
    local v
    v, i = decode_value(s, i)
    n = n + 1
    out[n] = v
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == "]" then return out, i + 1 end
    if c ~= "," then fail(s, i, "expected ',' or ']'") end
    i = skip(s, i + 1)
  end
end

local function decode_object(s, i)
  local out = {}
  i = skip(s, i + 1)
  if s:sub(i, i) == "}" then return out, i + 1 end
  while true do
    if s:sub(i, i) ~= '"' then fail(s, i, "expected a string key") end
    local k
    k, i = decode_string(s, i)
    i = skip(s, i)
    if s:sub(i, i) ~= ":" then fail(s, i, "expected ':'") end
    local v
    v, i = decode_value(s, skip(s, i + 1))
    out[k] = v
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == "}" then return out, i + 1 end
    if c ~= "," then fail(s, i, "expected ',' or '}'") end
    i = skip(s, i + 1)
  end
end

json.null = setmetatable({}, { __tostring = function() return "null" end })

decode_value = function(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then return decode_object(s, i)
  elseif c == "[" then return decode_array(s, i)
  elseif c == '"' then return decode_string(s, i)
  elseif c == "-" or c:match("%d") then return decode_number(s, i)
  elseif s:sub(i, i + 3) == "true" then return true, i + 4
  elseif s:sub(i, i + 4) == "false" then return false, i + 5
  elseif s:sub(i, i + 3) == "null" then return json.null, i + 4
  end
  fail(s, i, c == "" and "unexpected end of text" or "unexpected character")
end

--- Decode a JSON text. Returns the value, or nil and a message (never raises).
--- JSON null becomes `json.null` so that a present-but-null key can be told from a missing one.
function json.decode(s)
  if type(s) ~= "string" then return nil, "json: expected text, got " .. type(s) end
  local ok, v, i = pcall(decode_value, s, 1)
  if not ok then return nil, v end
  i = skip(s, i)
  if i <= #s then return nil, string.format("json: trailing text at byte %d", i) end
  return v
end

return json
