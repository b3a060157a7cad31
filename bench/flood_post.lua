-- wrk script for bench/flood.py: POST comments as a flood, each with a fresh name and a text
-- of its own words (the duplicate rule ignores numbers), from simulated clients named in
-- X-Forwarded-For (the server trusts 127.0.0.1 as its proxy). Arguments after "--":
--   TOTAL DELAY_MS CLIENTS STORY_IDS TAG
-- TOTAL posts, then the thread stops and says DONE (bench/flood.py then interrupts wrk);
-- DELAY_MS between a connection's posts (0: flat out); CLIENTS 1: one IPv4 address, else
-- that many: half IPv4 addresses, a quarter IPv6 spread over four /64s and a quarter inside
-- one /64 (one client to Tribune); STORY_IDS comma-separated, taken round-robin; TAG a letter
-- that sets this flood's names, texts and single address apart from another's.
-- Prints one "RESULT {json}" line.
-- Globals, not locals: done() reads them from the thread with thread:get().
total, pause, clients, paths, tag = 0, 0, 1, {}, "a"
sent, answered, verified = 0, 0, false
tally = {
  accepted = 0, held = 0, held_story = 0, held_site = 0, held_other = 0,
  refused = 0, server_errors = 0, other = 0,
}
codes, reasons = {}, {}
local words = {
  "ceasefire", "border", "talks", "minister", "report", "sources", "troops", "summit",
  "vote", "election", "market", "economy", "refugees", "analysis", "claims", "officials",
  "denied", "confirmed", "statement", "region", "crisis", "harbour", "winter", "bridge",
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  total, pause, clients = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  for id in string.gmatch(args[4], "%d+") do
    table.insert(paths, "/api/v1/stories/" .. id .. "/comments")
  end
  tag = args[5]
end

-- n as words: no two posts share a text once numbers are ignored (nor two floods: their
-- tags offset n).
local function spelled(n)
  local out = {}
  repeat
    table.insert(out, words[n % #words + 1])
    n = math.floor(n / #words)
  until n == 0
  return table.concat(out, " ")
end

local function address(n)
  if clients == 1 then
    return "203.0.113." .. string.byte(tag)
  end
  local k = (n - 1) % clients
  local half, quarter = math.floor(clients / 2), math.floor(clients / 4)
  if k < half then
    return string.format("10.%d.%d.%d", math.floor(k / 65536) % 256, math.floor(k / 256) % 256, k % 256)
  end
  local j = k - half
  if j < quarter then
    return string.format("2001:db8:0:%x::%x", j % 4, j + 1)
  end
  return string.format("2001:db8:ffff:1:%x:%x::1", j, k)
end

delay = function()
  return pause
end

request = function()
  if not verified then -- wrk asks for one request first to check it, and never sends it
    verified = true
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  if sent > total then -- the last posts are still in flight: fill with a cheap probe
    return wrk.format("GET", "/healthz")
  end
  local body = string.format(
    '{"name":"Flood %s%d","body":"Flood comment about the %s, with a few more words to read."}',
    tag, sent, spelled(sent + 100000 * string.byte(tag)))
  local headers = { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = address(sent) }
  return wrk.format("POST", paths[(sent - 1) % #paths + 1], headers, body)
end

response = function(status, headers, body)
  if status == 200 then
    return -- a probe (a post without an Idempotency-Key never answers 200)
  end
  answered = answered + 1
  codes[tostring(status)] = (codes[tostring(status)] or 0) + 1
  if status == 201 then
    if string.find(body, '"status":"pending"', 1, true) then
      tally.held = tally.held + 1
      -- Why it was held is read from the database after the run: its author is told only
      -- "Awaiting moderation".
    else
      tally.accepted = tally.accepted + 1
    end
  elseif status == 429 then
    tally.refused = tally.refused + 1
  elseif status >= 500 then
    tally.server_errors = tally.server_errors + 1
  else
    tally.other = tally.other + 1
  end
  if answered == total then -- wrk would wait out its duration: bench/flood.py stops it
    wrk.thread:stop()
    io.write("DONE\n")
    io.flush()
  end
end

done = function(summary, latency, requests)
  local thread = threads[1]
  local t, c = thread:get("tally"), thread:get("codes")
  local parts = {}
  for key, value in pairs(t) do
    table.insert(parts, string.format('"%s":%d', key, value))
  end
  local function object(counts)
    local out = {}
    for key, value in pairs(counts) do
      table.insert(out, string.format('"%s":%d', key, value))
    end
    return "{" .. table.concat(out, ",") .. "}"
  end
  io.write(string.format(
    'RESULT {"sent":%d,%s,"codes":%s,"reasons":%s,"seconds":%.3f,"p50_ms":%.3f,' ..
    '"p99_ms":%.3f,"socket_errors":%d}\n',
    math.min(thread:get("sent"), thread:get("total")), table.concat(parts, ","),
    object(c), object(thread:get("reasons")), summary.duration / 1e6,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
