-- Requests paths drawn from the file named by BENCH_PATHS; prints one JSON line of results.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local counter = 0

function setup(thread)
  thread:set("thread_id", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  local path = paths[math.random(#paths)]
  local headers = {}
  if token then headers["Authorization"] = "Bearer " .. token end
  if body_template then
    headers["Content-Type"] = "application/json"
    local key = thread_id .. "-" .. counter
    headers["Idempotency-Key"] = key
    local year = 1990 + (counter % 100)
    return wrk.format(method, path, headers, string.gsub(body_template, "YEAR", tostring(year)))
  end
  return wrk.format(method, path, headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "errors": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
