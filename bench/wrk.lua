-- Requests paths drawn from the file named by BENCH_PATHS; prints one JSON line of results.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_index", threads)
end

request = function()
  counter = counter + 1
  local headers = {}
  if token then headers["Authorization"] = "Bearer " .. token end
  if body_template then
    -- Writes never repeat a (path, year) pair: thread 1 takes the odd paths, thread 2 the even ones,
    -- and each path gets the years 1990, 1991, … in turn.
    local half = math.floor(#paths / 2)
    local slot = (counter - 1) % half
    local path = paths[slot * 2 + thread_index]
    local year = 1990 + math.floor((counter - 1) / half)
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = thread_index .. "-" .. counter
    return wrk.format(method, path, headers, string.gsub(body_template, "YEAR", tostring(year)))
  end
  return wrk.format(method, paths[math.random(#paths)], headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "errors": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
