-- @noindex
--[[
Cadenza for REAPER: the user's settings, kept in REAPER's ExtState (section "Cadenza").

One table of fields drives the Settings dialog, loading, validation and saving, so a new
setting is one line here. Every default works on a first run with nothing saved. REAPER's
GetUserInputs takes at most 16 fields, so the dialog comes in pages (settings.PAGES).
]]

local settings = {}

settings.SECTION = "Cadenza"
settings.ROLES = { "melody", "bass", "chords", "keys", "drums" }
settings.MOODS = { "happy", "tense", "sad", "calm" }
settings.PRESERVES = { "rhythm", "contour", "none" }
settings.BAND_PARTS = { "drums", "bass", "chords", "melody" } -- a band's parts, in answer order
settings.TOP_P_DEFAULT = 0.95 -- the daemon's own: not sent unless changed

local function one_of(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end
local ROLE_SET, MOOD_SET = one_of(settings.ROLES), one_of(settings.MOODS)
local PRESERVE_SET = one_of(settings.PRESERVES)
local BAND_SET = one_of(settings.BAND_PARTS)

-- Each field: ExtState key, dialog caption (no commas: GetUserInputs splits captions on them),
-- default (as text), and a check that returns the typed value or nil plus a message saying
-- what is allowed.
local function number_in(lo, hi, integer)
  return function(text, name)
    local v = tonumber(text)
    if v == nil or v ~= v or (integer and v ~= math.floor(v)) or v < lo or v > hi then
      return nil, string.format("%s must be %s from %s to %s, got %q", name,
        integer and "a whole number" or "a number", lo, hi, text)
    end
    return integer and math.tointeger(v) or v
  end
end

local function text_value(text) return text end

local function any_number(text, name)
  local v = tonumber(text)
  if v == nil or v ~= v or v == math.huge or v == -math.huge then
    return nil, string.format("%s must be a number, got %q", name, text)
  end
  return v
end

-- A number, or "" (blank: the daemon decides).
local function blank_or(check)
  return function(text, name)
    if text == "" then return "" end
    return check(text, name)
  end
end

local function yes_no(text, name)
  local v = text:lower()
  if v == "yes" or v == "no" then return v end
  return nil, string.format("%s must be yes or no, got %q", name, text)
end

local function choice(set, list, allow_blank)
  return function(text, name)
    if text == "" and allow_blank then return "" end
    local v = text:lower()
    if set[v] then return v end
    return nil, string.format("%s must be one of %s%s, got %q", name, table.concat(list, ", "),
      allow_blank and " (or blank)" or "", text)
  end
end

settings.FIELDS = {
  { key = "cadenza_path", caption = "cadenza program (blank: find it)", default = "", check = text_value },
  { key = "host", caption = "Daemon host", default = "127.0.0.1",
    check = function(text, name)
      if text:match("^[%w%.%-:]+$") then return text end
      return nil, name .. " must be a host name or IP address like 127.0.0.1, got " .. string.format("%q", text)
    end },
  { key = "port", caption = "Daemon port", default = "7500", check = number_in(1, 65535, true) },
  { key = "model", caption = "Model (blank: the default)", default = "", check = text_value },
  { key = "role", caption = "Role (melody/bass/chords/keys/drums)", default = "melody",
    check = choice(ROLE_SET, settings.ROLES, false) },
  { key = "style", caption = "Style (blank: any)", default = "", check = text_value },
  { key = "mood", caption = "Mood (happy/tense/sad/calm or blank)", default = "",
    check = choice(MOOD_SET, settings.MOODS, true) },
  { key = "key", caption = "Key like D minor (blank: any)", default = "", check = text_value },
  { key = "bars", caption = "Bars to generate", default = "4", check = number_in(1, 64, true) },
  { key = "temperature", caption = "Temperature", default = "1.0", check = number_in(0.05, 3.0, false) },
  { key = "variations", caption = "Variations (takes)", default = "1", check = number_in(1, 8, true) },
  { key = "strength", caption = "Restyle strength (0-1)", default = "0.5", check = number_in(0, 1, false) },
  { key = "timeout", caption = "Timeout (seconds)", default = "60", check = number_in(1, 300, true) },
  -- page 2: how it sounds
  { key = "prompt", caption = "Prompt (free text; blank: none)", default = "", check = text_value },
  { key = "seed", caption = "Seed (blank: a new one each time)", default = "",
    check = blank_or(number_in(0, 2147483647, true)) },
  { key = "top_p", caption = "Top-p (0.05-1)", default = "0.95", check = number_in(0.05, 1, false) },
  -- The range (0 to 5) is the daemon's rule and is checked there once: a value outside it is
  -- refused by the daemon in its own words when the action runs.
  { key = "guidance", caption = "Guidance 0-5 (blank: the model's)", default = "",
    check = blank_or(any_number) },
  { key = "density", caption = "Density 0-1 (blank: the model's)", default = "",
    check = blank_or(number_in(0, 1, false)) },
  { key = "pitch_low", caption = "Lowest pitch (0-127)", default = "0", check = number_in(0, 127, true) },
  { key = "pitch_high", caption = "Highest pitch (0-127)", default = "127", check = number_in(0, 127, true) },
  { key = "scale_lock", caption = "Scale lock: only notes of the key (yes/no)", default = "no", check = yes_no },
  { key = "preserve", caption = "Restyle keeps (rhythm/contour/none)", default = "rhythm",
    check = choice(PRESERVE_SET, settings.PRESERVES, false) },
  -- asked by 'Interpolate two selected MIDI items' each time it runs (the last answer is kept)
  { key = "steps", caption = "Steps from the first item to the second (2-16)", default = "5",
    check = number_in(2, 16, true) },
  { key = "interpolate_model", caption = "Model (blank: one that can interpolate)", default = "",
    check = text_value },
  -- asked by 'Accompany: write a part for the selected track ...' each time it runs
  { key = "accompany_role", caption = "Part to write on the selected track (melody/bass/chords/keys/drums)",
    default = "bass", check = choice(ROLE_SET, settings.ROLES, false) },
  -- the daemon's `fit` (0: the model alone, 1: its harmony prior as tuned, 2: twice as strong)
  { key = "accompany_fit", caption = "Fit to the other tracks 0-2 (blank: the model's)", default = "",
    check = blank_or(number_in(0, 2, false)) },
  { key = "accompany_model", caption = "Model (blank: one that can accompany)", default = "",
    check = text_value },
  -- asked by 'Groove selected MIDI item' each time it runs
  { key = "groove_role", caption = "What the item plays (melody/bass/chords/keys/drums)", default = "drums",
    check = choice(ROLE_SET, settings.ROLES, false) },
  { key = "groove_amount", caption = "Amount: 0 as it is - 1 the model's feel", default = "1.0",
    check = number_in(0, 1, false) },
  { key = "groove_swing", caption = "Swing: 0 straight - 1 triplet off-beats", default = "0.0",
    check = number_in(0, 1, false) },
  { key = "groove_style", caption = "Feel to borrow (style; blank: the model's)", default = "", check = text_value },
  { key = "groove_model", caption = "Model (blank: one that grooves)", default = "", check = text_value },
  -- asked by 'Band loop on the selected tracks' each time it runs
  { key = "band_parts", caption = "Parts (drums/bass/chords/melody: any of them)", default = "drums bass chords melody",
    check = function(text, name)
      local seen, out = {}, {}
      for part in text:lower():gmatch("[^%s;/+]+") do
        if not BAND_SET[part] then
          return nil, string.format("%s must be some of %s, got %q", name, table.concat(settings.BAND_PARTS, ", "), part)
        end
        if not seen[part] then seen[part] = true; out[#out + 1] = part end
      end
      if #out == 0 then return nil, name .. " must name at least one of " .. table.concat(settings.BAND_PARTS, ", ") end
      return table.concat(out, " ")
    end },
  { key = "band_model", caption = "Model (blank: one that writes bands)", default = "", check = text_value },
}

-- The dialog's pages: a title suffix and the fields it shows (first, last index in FIELDS).
-- A page with `action` set is the dialog of that action, not a page of 'Cadenza: Settings'.
local function index_of(key)
  for i, f in ipairs(settings.FIELDS) do
    if f.key == key then return i end
  end
end
settings.PAGES = {
  { title = "", first = 1, last = index_of("timeout") },
  { title = " (sound)", first = index_of("prompt"), last = index_of("preserve") },
  { title = "", first = index_of("steps"), last = index_of("interpolate_model"), action = "interpolate" },
  { title = "", first = index_of("accompany_role"), last = index_of("accompany_model"), action = "accompany" },
  { title = "", first = index_of("groove_role"), last = index_of("groove_model"), action = "groove" },
  { title = "", first = index_of("band_parts"), last = index_of("band_model"), action = "band" },
}
settings.INTERPOLATE_PAGE = 3
settings.ACCOMPANY_PAGE = 4
settings.GROOVE_PAGE = 5
settings.BAND_PAGE = 6

--- Whether this library's settings have a field (an action can ask for the fields it needs).
function settings.has(key) return index_of(key) ~= nil end

local function page_fields(page)
  local p = settings.PAGES[page or 1]
  local out = {}
  for i = p.first, p.last do out[#out + 1] = settings.FIELDS[i] end
  return out
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

--- Check one field's text. Returns the typed value or nil and a message.
function settings.check(field, text)
  local name = field.caption:gsub(" %(.*$", "")
  return field.check(trim(text or ""), name)
end

--- The saved settings, typed; a missing or broken saved value falls back to its default
--- (a damaged ExtState must never stop an action).
function settings.load()
  local out = {}
  for _, f in ipairs(settings.FIELDS) do
    local text = f.default
    if reaper.HasExtState(settings.SECTION, f.key) then
      text = reaper.GetExtState(settings.SECTION, f.key)
    end
    local v = settings.check(f, text)
    if v == nil then v = settings.check(f, f.default) end
    out[f.key] = v
  end
  return out
end

--- Save typed settings (persisted across REAPER sessions).
function settings.save(values)
  for _, f in ipairs(settings.FIELDS) do
    reaper.SetExtState(settings.SECTION, f.key, tostring(values[f.key]), true)
  end
end

--- Save one setting (the model menu's choice), checked like the dialog's fields; returns
--- false and a message for a value the field refuses.
function settings.set(key, value)
  for _, f in ipairs(settings.FIELDS) do
    if f.key == key then
      local v, msg = settings.check(f, tostring(value))
      if v == nil then return false, msg end
      reaper.SetExtState(settings.SECTION, key, tostring(v), true)
      return true
    end
  end
  error("settings.set: no setting named " .. tostring(key), 2)
end

settings.SEPARATOR = "|" -- paths on Windows may hold commas; no path or setting holds "|"

--- Captions for GetUserInputs (page 1 unless given): comma separated, then the dialog's
--- extra options.
function settings.captions(page)
  local caps = {}
  for i, f in ipairs(page_fields(page)) do caps[i] = f.caption end
  return table.concat(caps, ",") .. ",separator=" .. settings.SEPARATOR .. ",extrawidth=220"
end

--- How many fields a page shows.
function settings.count(page) return #page_fields(page) end

--- Current values of a page's fields, joined for the dialog.
function settings.as_csv(values, page)
  local parts = {}
  for i, f in ipairs(page_fields(page)) do parts[i] = tostring(values[f.key] == nil and f.default or values[f.key]) end
  return table.concat(parts, settings.SEPARATOR)
end

--- Parse the dialog's answer for a page. Returns typed values, or nil and a list of messages.
function settings.parse(csv, page)
  local parts = {}
  for piece in (csv .. settings.SEPARATOR):gmatch("(.-)" .. settings.SEPARATOR:gsub("%p", "%%%0")) do
    parts[#parts + 1] = piece
  end
  local out, errors = {}, {}
  for i, f in ipairs(page_fields(page)) do
    local v, msg = settings.check(f, parts[i] or "")
    if v == nil then errors[#errors + 1] = msg else out[f.key] = v end
  end
  if #errors > 0 then return nil, errors end
  return out
end

return settings
