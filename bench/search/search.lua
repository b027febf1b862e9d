-- Listing searches for wrk, the same mix as search-bench's own clients: nine in ten an
-- offender manager's (published listings of current members), one in ten the quality
-- team's (everything), over a random area and category.
--
-- wrk -t 2 -c 16 -d 20s --latency -s bench/search/search.lua http://127.0.0.1:PORT -- OM QUALITY AREAS

local codes = { "UPW-STD", "ALC-TRT", "DRG-REH", "ACC-SUP", "ETE-EMP" }
local categories = { "unpaid_work", "alcohol_treatment", "drug_rehabilitation",
  "accommodation", "education_training_employment" }
local om, quality, areas

function init(args)
  om, quality, areas = args[1], args[2], tonumber(args[3])
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
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
  return wrk.format("GET", "/v1/listings" .. query, { ["Authorization"] = "Bearer " .. token })
end

local failed = 0
function response(status)
  if status ~= 200 then failed = failed + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("wrk: non-200 answers %d\n", summary.errors.status))
end
