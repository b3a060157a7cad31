-- wrk script: POST a new Tribune comment (JSON) to the URL on the command line, e.g.
-- http://127.0.0.1:8200/api/v1/stories/3/comments. 16 distinct pre-built requests sent
-- round-robin, the same texts as the anchors' post_new.lua sends Isso.
local reqs, i = {}, 0
local filler = string.rep("Some more words to reach a realistic comment length. ", 6)

init = function(args)
  local headers = { ["Content-Type"] = "application/json" }
  for n = 1, 16 do
    local body = string.format(
      '{"body":"Benchmark comment %d with **bold**, *emphasis* and a [link](https://example.org/p/%d). %s",' ..
      '"name":"Bench User %d"}', n, n, filler, n)
    reqs[n] = wrk.format("POST", wrk.path, headers, body)
  end
end

request = function()
  i = i % #reqs + 1
  return reqs[i]
end
