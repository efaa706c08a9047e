-- wrk script: one request kind (BENCH_KIND), random targets each request.
-- nearest:      GET /projects/bench-project/sites?n=20&lat=..&lon=.. (a point in Finland)
-- memories:     GET …/sites/bench-site-N/memories (2 memories)
-- site:         GET …/sites/bench-site-N?include_memories=true
-- projects:     GET /projects
-- hot_memories: GET …/sites/bench-hot-site/memories (500 memories, the whole list)
-- hot_page:     GET …/sites/bench-hot-site/memories?limit=100 (the first page of those)
-- hot_site:     GET …/sites/bench-hot-site?include_memories=true
-- revalidate:   GET …/sites/bench-hot-site/memories with If-None-Match of its ETag (304)
-- bbox:         GET …/sites?bbox=<a ~20 km box in Finland>&limit=500
-- clusters5:    GET …/sites/clusters?bbox=<all of Finland>&zoom=5
-- clusters12:   GET …/sites/clusters?bbox=<a ~20 km box in Finland>&zoom=12
local kind = os.getenv("BENCH_KIND") or "nearest"
local base = "/projects/bench-project/sites"
local hot = base .. "/bench-hot-site"
local etag = nil

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

-- A box of about 20 km by 20 km (0.36° of longitude, 0.18° of latitude at 60–70° N)
-- inside the seeded area.
local function city()
  local w = 20.5 + math.random() * 10.6
  local s = 59.8 + math.random() * 10.0
  return string.format("%.5f,%.5f,%.5f,%.5f", w, s, w + 0.36, s + 0.18)
end

function request()
  local path
  local headers = {}
  if kind == "nearest" then
    local lat = 59.8 + math.random() * 10.2
    local lon = 20.5 + math.random() * 11.0
    path = string.format("%s?n=20&lat=%.5f&lon=%.5f", base, lat, lon)
  elseif kind == "memories" then
    path = string.format("%s/bench-site-%d/memories", base, math.random(1, 100000))
  elseif kind == "site" then
    path = string.format("%s/bench-site-%d?include_memories=true", base, math.random(1, 100000))
  elseif kind == "projects" then
    path = "/projects"
  elseif kind == "hot_memories" then
    path = hot .. "/memories"
  elseif kind == "hot_page" then
    path = hot .. "/memories?limit=100"
  elseif kind == "hot_site" then
    path = hot .. "?include_memories=true"
  elseif kind == "revalidate" then
    path = hot .. "/memories"
    if etag then headers["If-None-Match"] = etag end
  elseif kind == "bbox" then
    path = string.format("%s?bbox=%s&limit=500", base, city())
  elseif kind == "clusters5" then
    path = base .. "/clusters?bbox=19.0,59.0,32.0,71.0&zoom=5"
  elseif kind == "clusters12" then
    path = string.format("%s/clusters?bbox=%s&zoom=12", base, city())
  else
    error("unknown BENCH_KIND " .. kind)
  end
  return wrk.format("GET", path, headers)
end

local errors = 0
function response(status, headers, body)
  if kind == "revalidate" and etag == nil then
    etag = headers["etag"] or headers["ETag"]
  end
  if status ~= 200 and status ~= 304 then errors = errors + 1 end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT kind=%s requests=%d rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    kind, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
