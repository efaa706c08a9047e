-- wrk script for the soak run (tests/bench/soak.sh): a realistic mix, random targets.
-- 80% reads: project list, nearest-N, a site's memories, a site with its memories.
-- 20% authenticated writes: a new memory at a random site (tokens from SOAK_TOKENS).
local base = "/projects/bench-project/sites"
local tokens = {}
for t in string.gmatch(os.getenv("SOAK_TOKENS") or "", "[^,]+") do
  table.insert(tokens, t)
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  local r = math.random(1, 100)
  local site = math.random(1, 100000)
  if r <= 10 then
    return wrk.format("GET", "/projects")
  elseif r <= 40 then
    local lat = 59.8 + math.random() * 10.2
    local lon = 20.5 + math.random() * 11.0
    return wrk.format("GET", string.format("%s?n=20&lat=%.5f&lon=%.5f", base, lat, lon))
  elseif r <= 65 then
    return wrk.format("GET", string.format("%s/bench-site-%d/memories", base, site))
  elseif r <= 80 then
    return wrk.format("GET", string.format("%s/bench-site-%d?include_memories=true", base, site))
  else
    local token = tokens[math.random(1, #tokens)]
    local body = string.format('{"title": "Kuorma %d", "story": "Tarina kuormitustestistä."}',
      math.random(1, 1000000000))
    return wrk.format("POST", string.format("%s/bench-site-%d/memories", base, site),
      {["Authorization"] = "bearer " .. token, ["Content-Type"] = "application/json"}, body)
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
