-- wrk script for bench/search.py: each request the next search of a rotating list, read
-- from the file named after "--" (one path a line). Prints one "RESULT {json}" line: the
-- requests, seconds, latency percentiles and statuses.
local paths, next_path = {}, 0
non_2xx, server_errors = 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    table.insert(paths, line)
  end
end

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

response = function(status, headers, body)
  if status >= 300 then
    non_2xx = non_2xx + 1
  end
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non_2xx":%d,"server_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    threads[1]:get("non_2xx"), threads[1]:get("server_errors"),
    e.connect + e.read + e.write + e.timeout))
end
