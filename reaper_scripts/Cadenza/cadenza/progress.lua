-- @noindex
--[[
Cadenza for REAPER: the small progress window an action shows while the daemon composes.

A gfx window with a status line, a bar filled to the latest /cadenza/progress fraction (the CLI
keeps it in its --progress file) and a Cancel button. It opens only once a request has taken
longer than SHOW_AFTER_S, so a quick answer never flashes a window. Cancel, Escape or closing
the window all mean "stop": the caller then tells the CLI to cancel and changes nothing.
Drawing happens from the action's own deferred poll, one frame per UI tick.
]]

local progress = {}

progress.SHOW_AFTER_S = 0.5 -- quicker answers never open the window
progress.WIDTH, progress.HEIGHT = 380, 104
progress.BAR = { x = 16, y = 40, w = 348, h = 14 }
progress.BUTTON = { x = 276, y = 66, w = 88, h = 26 }
progress.ESCAPE = 27

local Window = {}
Window.__index = Window

--- A window for one request; nothing is shown until the first tick after SHOW_AFTER_S.
function progress.new(title)
  return setmetatable({ title = title, started = reaper.time_precise(), open = false, pressed = false }, Window)
end

local function inside(x, y, r)
  return x >= r.x and x < r.x + r.w and y >= r.y and y < r.y + r.h
end

--- The status line for a fraction (nil: the daemon has not reported any yet) after `waited` s.
function progress.status(fraction, waited)
  if fraction == nil then
    return string.format("Waiting for the Cadenza daemon... %d s", math.floor(waited))
  end
  return string.format("Composing: %d%%  (%d s)", math.floor(fraction * 100 + 0.5), math.floor(waited))
end

function Window:draw(fraction, waited)
  local bar, button = progress.BAR, progress.BUTTON
  gfx.set(0.16, 0.16, 0.17, 1)
  gfx.rect(0, 0, progress.WIDTH, progress.HEIGHT, 1)
  gfx.set(0.9, 0.9, 0.9, 1)
  gfx.x, gfx.y = bar.x, 14
  gfx.drawstr(progress.status(fraction, waited))
  gfx.rect(bar.x, bar.y, bar.w, bar.h, 0) -- the bar's outline
  local fill = math.floor(bar.w * math.max(0, math.min(1, fraction or 0)) + 0.5)
  if fill > 0 then
    gfx.set(0.35, 0.7, 0.45, 1)
    gfx.rect(bar.x, bar.y, fill, bar.h, 1)
  end
  gfx.set(self.pressed and 0.45 or 0.3, 0.3, 0.32, 1)
  gfx.rect(button.x, button.y, button.w, button.h, 1)
  gfx.set(0.95, 0.95, 0.95, 1)
  local tw, th = gfx.measurestr("Cancel")
  gfx.x, gfx.y = button.x + (button.w - tw) / 2, button.y + (button.h - th) / 2
  gfx.drawstr("Cancel")
  gfx.update()
end

--- One UI tick: show `fraction` (0..1, or nil). Returns true when the user asked to stop:
--- Cancel clicked (pressed and released over it), Escape, or the window closed.
function Window:tick(fraction)
  local waited = reaper.time_precise() - self.started
  if not self.open then
    if waited < progress.SHOW_AFTER_S then return false end
    gfx.init(self.title, progress.WIDTH, progress.HEIGHT)
    self.open = true
  end
  local char = gfx.getchar()
  if char == -1 or char == progress.ESCAPE then return true end
  local down = gfx.mouse_cap & 1 == 1
  local over = inside(gfx.mouse_x, gfx.mouse_y, progress.BUTTON)
  local clicked = self.pressed and not down and over
  self.pressed = down and over and (self.pressed or not self.held)
  self.held = down
  if clicked then return true end
  self:draw(fraction, waited)
  return false
end

--- Close the window if it is open (safe to call more than once).
function Window:close()
  if self.open then
    gfx.quit()
    self.open = false
  end
end

return progress
