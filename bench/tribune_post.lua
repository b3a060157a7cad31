-- wrk script: POST a new Tribune comment (JSON) to the URL on the command line, e.g.
-- http://127.0.0.1:8200/api/v1/stories/3/comments. Every post is a text of its own: 200–600
-- characters of Markdown (bold, emphasis, a link, sometimes a quote, a list or code) opening
-- with a run number spelled in words, since the duplicate rule ignores numbers and would
-- hold repeats. The count starts from the clock, so a later run never repeats an earlier one.
-- done() prints "posting sent N answered N acked N": bench/compare.py compares the 201s
-- (acked) with the rows stored, and sent - answered are the posts still in flight when wrk
-- stopped (stored or not, nobody was told either way).
-- Globals, not locals: done() reads them from the thread with thread:get().
sent, answered, acked, verified = 0, 0, 0, false
local start = os.time() * 100000
local threads = {}
local words = {
  "river", "lantern", "harbour", "meadow", "council", "budget", "bridge", "winter",
  "festival", "library", "station", "orchard", "tunnel", "ferry", "market", "school",
  "garden", "museum", "airport", "stadium", "clinic", "theatre", "canal", "forest",
  "village", "highway", "quarry", "castle", "chapel", "factory", "harvest", "parade",
}
local sentences = {
  "The council said the work would take most of the spring. ",
  "Residents were asked for their views at a meeting on Thursday. ",
  "I walked past it yesterday and the scaffolding is already up. ",
  "Nobody seems to know who is paying for the second phase. ",
  "My neighbour thinks the old plan was better, and I tend to agree. ",
  "The *timetable* in the article does not match the one online. ",
  "It would help to see the **full report** before deciding. ",
  "Last year the same promise was made and nothing happened. ",
  "Traffic on the main road has doubled since the works began. ",
  "Good reporting, though a map of the area would have helped. ",
}
local extras = {
  "",
  "\n\n> The plan is to finish before the summer holidays.\n\nWe will see.",
  "\n\n- more buses\n- fewer delays\n- a proper footpath",
  "\n\nThe notice says `closed until further notice`, which tells us little.",
}
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  table.insert(threads, thread)
end

local function spelled(n)
  local out = {}
  repeat
    table.insert(out, words[n % #words + 1])
    n = math.floor(n / #words)
  until n == 0
  return table.concat(out, " ")
end

local function body(n)
  local parts = {
    string.format("About the %s: **%s**, and a [source](https://example.org/p/%d). ",
      spelled(n), words[n % 7 + 1], n % 1000),
  }
  for k = 0, 1 + n % 5 do -- 2 to 6 sentences
    table.insert(parts, sentences[(n + k * 3) % #sentences + 1])
  end
  table.insert(parts, extras[n % #extras + 1])
  return (table.concat(parts):gsub("\n", "\\n"))
end

request = function()
  if not verified then -- wrk asks for one request first to check it, and never sends it
    verified = true
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  local n = start + sent
  local json = string.format('{"body":"%s","name":"Bench User %d"}', body(n), sent % 16 + 1)
  return wrk.format("POST", wrk.path, headers, json)
end

response = function(status, headers, body)
  answered = answered + 1
  if status == 201 then
    acked = acked + 1
  end
end

done = function(summary, latency, requests)
  local thread = threads[1]
  io.write(string.format("posting sent %d answered %d acked %d\n",
    thread:get("sent"), thread:get("answered"), thread:get("acked")))
end
