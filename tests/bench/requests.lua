-- wrk script: one of four request kinds (BENCH_KIND), random targets each request.
-- nearest: GET /projects/bench-project/sites?n=20&lat=..&lon=.. (a point in Finland)
-- memories: GET /projects/bench-project/sites/bench-site-N/memories
-- site: GET /projects/bench-project/sites/bench-site-N?include_memories=true
-- projects: GET /projects (the list, with each project's count of published sites)
local kind = os.getenv("BENCH_KIND") or "nearest"
local base = "/projects/bench-project/sites"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  local path
  if kind == "nearest" then
    local lat = 59.8 + math.random() * 10.2
    local lon = 20.5 + math.random() * 11.0
    path = string.format("%s?n=20&lat=%.5f&lon=%.5f", base, lat, lon)
  elseif kind == "memories" then
    path = string.format("%s/bench-site-%d/memories", base, math.random(1, 100000))
  elseif kind == "projects" then
    path = "/projects"
  else
    path = string.format("%s/bench-site-%d?include_memories=true", base, math.random(1, 100000))
  end
  return wrk.format("GET", path)
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT kind=%s requests=%d rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    kind, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
