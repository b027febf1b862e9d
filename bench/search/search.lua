-- Listing searches for wrk, the same mix as search-bench's own clients: nine in ten an
-- offender manager's (published listings of current members), one in ten the quality
-- team's (everything), over a random area and category.
--
-- wrk -t 2 -c 16 -d 20s --latency -s bench/search/search.lua http://127.0.0.1:PORT -- OM QUALITY AREAS
--
-- The requests are written once per thread (4,096 of them, drawn as before) and sent in a
-- random order, and no answer is handed to Lua (wrk counts answers other than 2xx
-- itself): the load generator shares the machine with the hub, so it does per search
-- only what it does per request on the trivial route, and the ratio of the two rates
-- measures the hub.

local codes = { "UPW-STD", "ALC-TRT", "DRG-REH", "ACC-SUP", "ETE-EMP" }
local categories = { "unpaid_work", "alcohol_treatment", "drug_rehabilitation",
  "accommodation", "education_training_employment" }
local requests = {}

function init(args)
  local om, quality, areas = args[1], args[2], tonumber(args[3])
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  for n = 1, 4096 do
    local i = math.random(#codes)
    local area = string.format("AR-%02d", math.random(0, areas - 1))
    local kind = math.random(0, 3)
    local query
    if kind == 0 then
      query = "?area=" .. area .. "&category=" .. categories[i]
    elseif kind == 1 then
      query = "?area=" .. area
    elseif kind == 2 then
      query = "?category=" .. categories[i] .. "&limit=100"
    else
      query = "?code=" .. codes[i] .. "&area=" .. area
    end
    local token = (math.random(10) == 1) and quality or om
    requests[n] = wrk.format("GET", "/v1/listings" .. query, { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  io.write(string.format("wrk: non-200 answers %d\n", summary.errors.status))
end
